package dev.rlhf4j.rlhf.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.io.CheckpointException;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.nn.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The offloaded reference gives the frozen copy's log-probs bit for bit while holding one block of the model at a
 * time, reads HF checkpoints as they are, refuses a wrong file naming it, and notices a rewritten file.
 */
class OffloadedReferenceTest {

    private static Path tempFile(String name) {
        try {
            return Files.createTempDirectory("offloaded").resolve(name);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Property(tries = 6)
    void logProbsEqualTheFrozenCopyBitForBit(@ForAll @IntRange(min = 1, max = 6) int layers, @ForAll @IntRange(min = 0, max = 1000) int seed,
                                            @ForAll boolean leftPadded) {
        Gpt2LMHeadModel policy = Tiny.random(layers, seed);
        List<int[]> rows = Tiny.sequences(3, 12, 64, seed);
        PaddedBatch batch = leftPadded ? PaddedBatch.leftPadded(rows, 0) : PaddedBatch.rightPadded(rows, 0);
        Tensor mask = Tiny.completionMask(batch, 2);
        try (FrozenCopyReference frozen = new FrozenCopyReference(policy);
             OffloadedReference offloaded = OffloadedReference.of(policy, tempFile("model.safetensors"))) {
            assertArrayEquals(Tiny.values(frozen, batch, mask), Tiny.values(offloaded, batch, mask), 0.0);
        }
        policy.release();
    }

    @Test
    void holdsTheEmbeddingsAndOneBlockInsteadOfTheWholeModel() {
        Gpt2LMHeadModel policy = Tiny.random(6, 7);
        Gpt2Config c = policy.config();
        long embeddings = 4L * ((long) c.vocabSize() * c.nEmbd() + (long) c.nPositions() * c.nEmbd() + 2L * c.nEmbd());
        long block = 4L * (c.numParameters() - embeddings / 4) / c.nLayer();
        long largest = 4L * c.nEmbd() * c.nInner();                                        // c_fc or mlp.c_proj
        PaddedBatch batch = PaddedBatch.rightPadded(Tiny.sequences(2, 20, 64, 1), 0);
        try (OffloadedReference offloaded = OffloadedReference.of(policy, tempFile("model.safetensors"))) {
            Tiny.values(offloaded, batch, Tiny.completionMask(batch, 1));
            // resident: embeddings + ln_f + the slot; in flight: the read buffer and the one tensor read from it
            assertEquals(embeddings + block + 2 * largest, offloaded.heldBytes());
            long full = 4L * c.numParameters();
            System.out.printf("offloaded holds %d of the model's %d bytes (%.0f%%)%n", offloaded.heldBytes(), full,
                    100.0 * offloaded.heldBytes() / full);
            assertTrue(offloaded.heldBytes() < full - 4 * block, "at least four blocks' worth below a full copy");
        }
        policy.release();
    }

    @Test
    void streamsAHuggingFaceCheckpointAsItIs() {
        Gpt2LMHeadModel policy = Tiny.fixtureModel(DType.FLOAT32);
        PaddedBatch batch = PaddedBatch.leftPadded(Tiny.sequences(3, 9, 512, 3), 0);
        Tensor mask = Tiny.completionMask(batch, 1);
        try (FrozenCopyReference frozen = new FrozenCopyReference(policy);
             OffloadedReference offloaded = OffloadedReference.open(Tiny.fixture().resolve("model.safetensors"), policy.config(), DType.FLOAT32)) {
            assertArrayEquals(Tiny.values(frozen, batch, mask), Tiny.values(offloaded, batch, mask), 0.0);
            assertEquals(0.0, offloaded.divergenceFrom(policy).absolute(), 0.0);
        }
        policy.release();
    }

    @Test
    void aFileThatDoesNotFitTheConfigIsRefusedNamingFileAndTensor() {
        Gpt2LMHeadModel policy = Tiny.random(2, 1);
        Map<String, Tensor> weights = new LinkedHashMap<>(policy.namedParameters());
        weights.remove("transformer.h.1.attn.c_proj.bias");
        Path missing = tempFile("missing.safetensors");
        SafetensorsWriter.write(missing, weights, Map.of());
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> OffloadedReference.open(missing, policy.config(), DType.FLOAT32));
        assertTrue(e.getMessage().contains("missing.safetensors") && e.getMessage().contains("transformer.h.1.attn.c_proj.bias"), e.getMessage());
        Gpt2LMHeadModel wider = Tiny.random(3, 1);
        Path other = tempFile("three-layers.safetensors");
        wider.save(other.getParent());
        CheckpointException shape = assertThrows(CheckpointException.class,
                () -> OffloadedReference.open(other.getParent().resolve("model.safetensors"), Tiny.fixtureModel(DType.FLOAT32).config(), DType.FLOAT32));
        assertTrue(shape.getMessage().contains("model.safetensors") && shape.getMessage().contains("shape"), shape.getMessage());
        policy.release();
        wider.release();
    }

    @Test
    void aCheckpointSavedOverTheFileLeavesTheReferenceIntactButAnEditInPlaceIsCaught() throws IOException {
        Gpt2LMHeadModel policy = Tiny.random(2, 11);
        Path file = tempFile("model.safetensors");
        PaddedBatch batch = PaddedBatch.rightPadded(Tiny.sequences(2, 8, 64, 4), 0);
        Tensor mask = Tiny.completionMask(batch, 1);
        try (OffloadedReference offloaded = OffloadedReference.of(policy, file)) {
            double[] before = Tiny.values(offloaded, batch, mask);
            Tiny.train(policy, new int[] {1, 2, 3, 4, 5, 6}, 1);
            // the writer replaces the file by renaming a new one over it: the open file still reads the old weights
            SafetensorsWriter.write(file, policy.namedParameters(), Map.of());
            offloaded.verifyFrozen();
            assertArrayEquals(before, Tiny.values(offloaded, batch, mask), 0.0);
        }
        Tiny.random(2, 11).save(file.getParent());
        try (OffloadedReference offloaded = OffloadedReference.open(file, policy.config(), DType.FLOAT32)) {
            String victim = "transformer.h.1.mlp.c_fc.weight";
            long at;
            try (SafetensorsReader reader = SafetensorsReader.open(file)) {
                at = reader.entries().get(victim).begin();
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(header, 0);
                long dataStart = 8 + header.flip().getLong();
                ch.write(ByteBuffer.wrap(new byte[] {0x3f, 0x3f, 0x3f, 0x3f}), dataStart + at);  // 0.75 in the first weight
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, offloaded::verifyFrozen);
            assertTrue(e.getMessage().contains("'" + victim + "' changed") && e.getMessage().contains("model.safetensors"), e.getMessage());
        }
        policy.release();
    }

    @Test
    void divergenceStreamedFromTheFileEqualsTheInMemoryOne() {
        Gpt2LMHeadModel policy = Tiny.random(2, 12);
        try (FrozenCopyReference frozen = new FrozenCopyReference(policy);
             OffloadedReference offloaded = OffloadedReference.of(policy, tempFile("model.safetensors"))) {
            Tiny.train(policy, new int[] {5, 6, 7, 8, 9}, 2);
            WeightDivergence inMemory = WeightDivergence.between(policy.namedParameters(), frozen.weights());
            WeightDivergence streamed = offloaded.divergenceFrom(policy);
            assertTrue(inMemory.absolute() > 0);
            assertEquals(inMemory.absolute(), streamed.absolute(), 0.0);
            assertEquals(inMemory.perParameter(), streamed.perParameter());
        }
        policy.release();
    }

    @Test
    void theFileHoldsThePolicysWeightsUnderHuggingFaceNames() {
        Gpt2LMHeadModel policy = Tiny.random(1, 13);
        Path file = tempFile("model.safetensors");
        try (OffloadedReference offloaded = OffloadedReference.of(policy, file);
             SafetensorsReader reader = SafetensorsReader.open(file)) {
            assertEquals(file, offloaded.file());
            assertEquals(policy.namedParameters().keySet(), reader.entries().keySet());
        }
        policy.release();
    }
}
