package dev.rlhf4j.rlhf.cli;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Converters for options that name something to read, checked while the command line is parsed: a missing path, a
 * directory where a file belongs (or the reverse), or a FIFO or device that would block the read are usage errors
 * (picocli prints the option, the reason and the usage, and the exit code is 2), never a hang or a bare
 * {@code IOException}.
 */
final class InputPaths {
    private InputPaths() {
    }

    /** A regular, readable file: {@code @Option(converter = InputPaths.File.class)}. */
    static final class File implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            Path p = path(value);
            if (Files.isDirectory(p)) {
                throw new TypeConversionException(value + " is a directory, expected a file");
            }
            if (!Files.isRegularFile(p)) {
                throw new TypeConversionException(value + " is not a regular file (a FIFO or device would block the read)");
            }
            if (!Files.isReadable(p)) {
                throw new TypeConversionException(value + " cannot be read (permission denied)");
            }
            return p;
        }
    }

    /** A readable directory (a model, adapter, tokenizer or run folder): {@code @Option(converter = InputPaths.Directory.class)}. */
    static final class Directory implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            Path p = path(value);
            if (!Files.isDirectory(p)) {
                throw new TypeConversionException(value + " is a file, expected a directory");
            }
            if (!Files.isReadable(p)) {
                throw new TypeConversionException(value + " cannot be read (permission denied)");
            }
            return p;
        }
    }

    private static Path path(String value) {
        Path p;
        try {
            p = Path.of(value);
        } catch (InvalidPathException e) {
            throw new TypeConversionException("'" + value + "' is not a valid path: " + e.getReason());
        }
        if (!Files.exists(p)) {
            throw new TypeConversionException("no such file or directory: " + value);
        }
        return p;
    }
}
