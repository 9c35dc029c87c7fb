package io.nexo.cli;

import io.nexo.core.net.HostAndPort;
import picocli.CommandLine;

/** Lets picocli parse {@code HOST:PORT} options; a bad value becomes a one-line usage error. */
final class HostAndPortConverter implements CommandLine.ITypeConverter<HostAndPort> {
    @Override
    public HostAndPort convert(String value) {
        try {
            return HostAndPort.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
