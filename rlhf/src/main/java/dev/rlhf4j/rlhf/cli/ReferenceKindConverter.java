package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.reference.ReferenceKind;
import java.util.Arrays;
import picocli.CommandLine;

/** Reads {@code --reference} by the names {@code --help} shows ({@code lora-disabled}); the error lists them. */
final class ReferenceKindConverter implements CommandLine.ITypeConverter<ReferenceKind> {
    @Override
    public ReferenceKind convert(String value) {
        return ReferenceKind.named(value).orElseThrow(() ->
                new CommandLine.TypeConversionException("'" + value + "' is not one of " + Arrays.toString(ReferenceKind.values())));
    }
}
