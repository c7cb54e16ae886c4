package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.reference.ReferenceKind;
import picocli.CommandLine;

/** Reads {@code --reference} by the names {@code --help} shows ({@link ReferenceKind#of}); the error lists them. */
final class ReferenceKindConverter implements CommandLine.ITypeConverter<ReferenceKind> {
    @Override
    public ReferenceKind convert(String value) {
        try {
            return ReferenceKind.of(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
