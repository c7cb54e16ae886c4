package dev.rlhf4j.rlhf.run;

import dev.rlhf4j.nn.model.CausalLM;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes files into an existing, empty folder, e.g. {@code model::save} of nn's {@code CausalLM} or
 * {@code LoraModel}; {@link RunFolder#saveFolder} gives it a temporary folder and renames that into place.
 */
@FunctionalInterface
public interface FolderWriter {
    void writeTo(Path dir) throws IOException;
}
