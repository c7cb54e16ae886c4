package dev.rlhf4j.rlhf.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.io.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The precomputed reference: equal to the live one exactly, reused on the next run without building a model, rebuilt
 * when the weights, the data or the tokenizer change, and a damaged file rebuilt by prepare or refused by load with its
 * name in the error.
 */
class PrecomputedReferenceTest {
    private static final int BATCH = 3;

    private Path dir;
    private Path file;
    private Path vocab;
    private Gpt2LMHeadModel policy;
    private List<int[]> data;
    private int liveBuilt;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("precomputed");
        file = dir.resolve(PrecomputedReference.FILE_NAME);
        vocab = dir.resolve("vocab.json");
        Files.writeString(vocab, "{\"a\": 0, \"b\": 1}");
        policy = Tiny.random(2, 31);
        data = Tiny.sequences(7, 14, 64, 8);
        liveBuilt = 0;
    }

    private Supplier<ReferenceModel> live() {
        return () -> {
            liveBuilt++;
            return new FrozenCopyReference(policy);
        };
    }

    private PrecomputedReference.Key key(List<int[]> sequences) {
        return PrecomputedReference.Key.of(policy.namedParameters(), sequences, ContentHash.ofFiles(List.of(vocab)));
    }

    private PrecomputedReference prepare() {
        return PrecomputedReference.prepare(file, key(data), data, BATCH, 0, live());
    }

    @Property(tries = 5)
    void equalsTheLiveReferenceExactlyOnTheBatchesItWasComputedWith(@ForAll @IntRange(min = 1, max = 1000) int seed) throws IOException {
        setUp();
        data = Tiny.sequences(1 + seed % 8, 16, 64, seed);
        try (PrecomputedReference cached = prepare(); FrozenCopyReference live = new FrozenCopyReference(policy)) {
            assertEquals(PrecomputedReference.Origin.BUILT, cached.origin());
            for (int from = 0; from < data.size(); from += BATCH) {
                PaddedBatch batch = PaddedBatch.rightPadded(data.subList(from, Math.min(from + BATCH, data.size())), 0);
                Tensor mask = Tiny.completionMask(batch, 1 + seed % 3);
                assertArrayEquals(Tiny.values(live, batch, mask), Tiny.values(cached, batch, mask), 0.0);
            }
        }
    }

    @Test
    void regroupedAndLeftPaddedRowsGetTheirSequencesLogProbs() {
        try (PrecomputedReference cached = prepare(); FrozenCopyReference live = new FrozenCopyReference(policy)) {
            List<int[]> shuffled = new ArrayList<>(data);
            Collections.shuffle(shuffled, new Random(3));
            PaddedBatch batch = PaddedBatch.leftPadded(shuffled.subList(0, 5), 0);
            Tensor mask = Tiny.completionMask(batch, 3);
            // another grouping changes the live pass's own float rounding, not the values
            assertArrayEquals(Tiny.values(live, batch, mask), Tiny.values(cached, batch, mask), 1e-5);
        }
    }

    @Test
    void theNextRunLoadsTheCacheWithoutBuildingAModel() {
        prepare().close();
        assertEquals(1, liveBuilt);
        try (PrecomputedReference again = prepare()) {
            assertEquals(PrecomputedReference.Origin.LOADED, again.origin());
            assertEquals(1, liveBuilt, "no reference model was built");
            assertEquals(data.size(), again.sequences());
            again.verifyFrozen();
        }
        PrecomputedReference.load(file, key(data)).close();
    }

    @Test
    void changedWeightsDataOrTokenizerInvalidateTheCache() throws IOException {
        prepare().close();
        Tiny.train(policy, new int[] {1, 2, 3, 4}, 1);
        assertRebuilt(prepare(), "the model weights changed");
        data.set(4, new int[] {9, 9, 9, 9});
        assertRebuilt(prepare(), "the data changed");
        Files.writeString(vocab, "{\"a\": 0, \"c\": 1}");
        assertRebuilt(prepare(), "the tokenizer changed");
        assertEquals(4, liveBuilt);
        prepare().close();
        assertEquals(4, liveBuilt, "the rebuilt cache is reused");
    }

    private void assertRebuilt(PrecomputedReference cached, String why) {
        try (cached) {
            assertEquals(PrecomputedReference.Origin.REBUILT, cached.origin());
            assertTrue(cached.reason().contains(why) && cached.reason().contains(file.toString()), cached.reason());
        }
        CheckpointException stale = assertThrows(CheckpointException.class, () -> PrecomputedReference.load(file, new PrecomputedReference.Key(
                "0".repeat(64), key(data).data(), key(data).tokenizer())));
        assertTrue(stale.getMessage().contains("stale") && stale.getMessage().contains(file.toString()), stale.getMessage());
    }

    @Test
    void aTruncatedOrAlteredFileIsRebuiltByPrepareAndRefusedByLoad() throws IOException {
        double[] good;
        PaddedBatch batch = PaddedBatch.rightPadded(data.subList(0, BATCH), 0);
        Tensor mask = Tiny.completionMask(batch, 1);
        try (PrecomputedReference cached = prepare()) {
            good = Tiny.values(cached, batch, mask);
        }
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 10));
        CheckpointException truncated = assertThrows(CheckpointException.class, () -> PrecomputedReference.load(file, key(data)));
        assertTrue(truncated.getMessage().contains(file.toString()), truncated.getMessage());
        try (PrecomputedReference rebuilt = prepare()) {
            assertEquals(PrecomputedReference.Origin.REBUILT, rebuilt.origin());
            assertTrue(rebuilt.reason().contains(file.toString()), rebuilt.reason());
            assertArrayEquals(good, Tiny.values(rebuilt, batch, mask), 0.0);
        }
        bytes = Files.readAllBytes(file);
        bytes[bytes.length - 1] ^= 0x40;                                     // a log-prob's high byte
        Files.write(file, bytes);
        CheckpointException altered = assertThrows(CheckpointException.class, () -> PrecomputedReference.load(file, key(data)));
        assertTrue(altered.getMessage().contains(file.toString()) && altered.getMessage().contains("content SHA-256"), altered.getMessage());
        try (PrecomputedReference rebuilt = prepare()) {
            assertEquals(PrecomputedReference.Origin.REBUILT, rebuilt.origin());
        }
        Files.delete(file);
        CheckpointException missing = assertThrows(CheckpointException.class, () -> PrecomputedReference.load(file, key(data)));
        assertTrue(missing.getMessage().contains(file.toString()), missing.getMessage());
    }

    @Test
    void rowsOutsideTheDatasetAndMasksOverPadsAreRefused() {
        try (PrecomputedReference cached = prepare()) {
            PaddedBatch unknown = PaddedBatch.rightPadded(List.of(data.get(0), new int[] {1, 2, 3}), 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cached.logProbs(unknown, Tiny.completionMask(unknown, 1)));
            assertTrue(e.getMessage().contains("row 1"), e.getMessage());
            int[] shorter = data.stream().filter(s -> s.length < data.get(0).length).findFirst().orElse(data.get(0));
            int[] longer = data.stream().filter(s -> s.length > shorter.length).findFirst().orElseThrow();
            PaddedBatch batch = PaddedBatch.rightPadded(List.of(longer, shorter), 0);
            Tensor all = Tensor.ones(DType.FLOAT32, 2, batch.length() - 1);                  // selects row 1's pads too
            IllegalArgumentException pad = assertThrows(IllegalArgumentException.class, () -> cached.logProbs(batch, all));
            assertTrue(pad.getMessage().contains("row 1") && pad.getMessage().contains("does not predict a real token"), pad.getMessage());
            assertTrue(cached.heldBytes() > 0);
        }
    }

    @Test
    void keysDependOnContentNotOnOrderOrPlace() throws IOException {
        PrecomputedReference.Key a = key(data);
        Path moved = Files.createTempDirectory("elsewhere").resolve("vocab.json");
        Files.copy(vocab, moved);
        assertEquals(a.tokenizer(), ContentHash.ofFiles(List.of(moved)));
        Map<String, Tensor> reversed = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(policy.namedParameters().keySet());
        Collections.reverse(names);
        names.forEach(n -> reversed.put(n, policy.namedParameters().get(n)));
        assertEquals(a.weights(), ContentHash.ofWeights(reversed));
        List<int[]> split = new ArrayList<>(data);
        split.set(0, Arrays.copyOf(data.get(0), 2));
        split.add(1, Arrays.copyOfRange(data.get(0), 2, data.get(0).length));
        assertNotEquals(a.data(), ContentHash.ofSequences(split), "the same ids cut into other sequences are other data");
    }
}
