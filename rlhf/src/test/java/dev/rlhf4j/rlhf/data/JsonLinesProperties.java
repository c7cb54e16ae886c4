package dev.rlhf4j.rlhf.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Any valid records survive a write to JSON lines and a strict read back, whatever their text. */
class JsonLinesProperties {

    /** Non-empty text of any code points (control characters, quotes, newlines, astral planes), no lone surrogates. */
    private static Arbitrary<String> text() {
        Arbitrary<Integer> codePoint = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(0x20, 0x7E)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 0x1F)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0x80, 0xD7FF)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0xE000, 0x10FFFF)));
        return codePoint.list().ofMinSize(1).ofMaxSize(30)
                .map(cps -> cps.stream().collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                        .toString());
    }

    @Provide
    Arbitrary<List<SftRecord>> sft() {
        return Combinators.combine(text(), text()).as(SftRecord::new).list().ofMinSize(1).ofMaxSize(8);
    }

    @Provide
    Arbitrary<List<PreferenceRecord>> preferences() {
        return Combinators.combine(text(), text(), text()).as(PreferenceRecord::new).list().ofMinSize(1).ofMaxSize(8);
    }

    @Provide
    Arbitrary<List<PromptRecord>> prompts() {
        return text().map(PromptRecord::new).list().ofMinSize(1).ofMaxSize(8);
    }

    private static <T> List<T> roundTrip(DatasetFormat<T> format, List<T> records) throws IOException {
        Path file = Files.createTempFile("roundtrip", ".jsonl");
        try {
            JsonLines.write(file, format, records);
            return JsonLines.read(file, format);
        } finally {
            Files.delete(file);
        }
    }

    @Property(tries = 100)
    void sftRecordsRoundTrip(@ForAll("sft") List<SftRecord> records) throws IOException {
        assertEquals(records, roundTrip(DatasetFormat.SFT, records));
    }

    @Property(tries = 100)
    void preferenceRecordsRoundTrip(@ForAll("preferences") List<PreferenceRecord> records) throws IOException {
        assertEquals(records, roundTrip(DatasetFormat.PREFERENCE, records));
    }

    @Property(tries = 100)
    void promptRecordsRoundTrip(@ForAll("prompts") List<PromptRecord> records) throws IOException {
        assertEquals(records, roundTrip(DatasetFormat.PROMPT, records));
    }
}
