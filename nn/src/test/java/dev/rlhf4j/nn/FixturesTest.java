package dev.rlhf4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;

/** Other modules read nn's fixtures out of its test-jar: a folder in a jar comes out as a real folder. */
class FixturesTest {
    @Test
    void aFixtureFolderInAJarIsExtractedWithItsFiles() throws Exception {
        Path jar = Files.createTempFile("fixtures", ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String name : new String[] {"fixtures/model/config.json", "fixtures/model/deep/weights.bin"}) {
                out.putNextEntry(new JarEntry(name));
                out.write(name.getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        Path folder = Fixtures.extract(URI.create("jar:" + jar.toUri() + "!/fixtures/model"), "model");
        assertEquals("model", folder.getFileName().toString());
        assertEquals("fixtures/model/config.json", Files.readString(folder.resolve("config.json")));
        assertEquals("fixtures/model/deep/weights.bin", Files.readString(folder.resolve("deep/weights.bin")));
    }
}
