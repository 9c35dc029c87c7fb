package io.nexo.cli.peer;

import io.nexo.p2p.discovery.DialTarget;
import picocli.CommandLine;

/** Parses {@code HOST:PORT} or {@code PEERID@HOST:PORT} for picocli. */
final class DialTargetConverter implements CommandLine.ITypeConverter<DialTarget> {
    @Override
    public DialTarget convert(String value) {
        try {
            return DialTarget.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
