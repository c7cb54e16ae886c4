package dev.rlhf4j.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Recorded references, copied once from the project's shared fixtures into nn's test resources (see
 * fixtures/README.md) and shared with the other modules' tests through nn's test-jar.
 */
public final class Fixtures {
    private Fixtures() {
    }

    /** Fixtures read out of the test-jar, by relative name: extracted once per run. */
    private static final Map<String, Path> EXTRACTED = new ConcurrentHashMap<>();

    /**
     * A directory or file under fixtures/ as a real path: in place when the test resources are a folder, or
     * extracted to a temporary folder when another module reads them from nn's test-jar.
     */
    public static Path path(String relative) {
        URL url = Fixtures.class.getResource("/fixtures/" + relative);
        if (url == null) {
            throw new IllegalStateException("test resource fixtures/" + relative + " is missing");
        }
        try {
            URI uri = url.toURI();
            return "file".equals(uri.getScheme()) ? Path.of(uri) : EXTRACTED.computeIfAbsent(relative, r -> extract(uri, r));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path extract(URI inJar, String relative) {
        try (FileSystem jar = FileSystems.newFileSystem(inJar, Map.of())) {
            Path source = jar.provider().getPath(inJar);
            Path target = Files.createTempDirectory("rlhf4j-fixture-").resolve(source.getFileName().toString());
            try (Stream<Path> all = Files.walk(source)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    Path to = target.resolve(source.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(p, to);
                    }
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("extracting fixtures/" + relative + " from " + inJar, e);
        }
    }

    /** Reads NaN as JSON's Python-written {@code NaN} (a reference may record a non-finite value). */
    private static final ObjectMapper MAPPER = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    public static JsonNode json(String relative) {
        try {
            return MAPPER.readTree(path(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode jsonOf(Path file) {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** All numbers of a nested JSON array, flattened in row-major order. */
    public static double[] doubles(JsonNode node) {
        List<Double> out = new ArrayList<>();
        flatten(node, out);
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Token ids: all numbers of a nested JSON array as ints, flattened in row-major order. */
    public static int[] ints(JsonNode node) {
        return java.util.Arrays.stream(doubles(node)).mapToInt(d -> (int) d).toArray();
    }

    private static void flatten(JsonNode node, List<Double> out) {
        if (node.isArray()) {
            node.forEach(n -> flatten(n, out));
        } else {
            out.add(node.asDouble());
        }
    }

    /** max |a - e| / max(|e|, floor) over all elements: relative error with an absolute floor near zero. */
    public static double maxRelativeError(double[] actual, double[] expected, double floor) {
        if (actual.length != expected.length) {
            throw new AssertionError("length " + actual.length + " != expected " + expected.length);
        }
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            double err = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), floor);
            if (!(err <= worst)) {
                worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
            }
        }
        return worst;
    }
}
