package io.nexo.cli;

import io.nexo.core.config.Durations;
import picocli.CommandLine;

import java.time.Duration;

/**
 * Every duration flag of every command, in the one syntax of {@link Durations} ({@code 500ms},
 * {@code 3s}, {@code 2m}, {@code 1h}, {@code 1d}, {@code 0}); a bad value is a one-line usage error.
 */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
