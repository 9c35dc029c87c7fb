package io.nexo.lb.config;

import java.nio.file.Path;

/**
 * A configuration file that cannot be used, with where and why: {@code nexo.yaml:12: weight: 0
 * (expected: 1-256)}. It is an {@link IllegalArgumentException} so the CLI reports it in one line
 * and exits 2, like any other bad input.
 */
public final class ConfigException extends IllegalArgumentException {

    private final transient Path file;
    private final int line;

    public ConfigException(Path file, int line, String problem) {
        super(file + (line > 0 ? ":" + line : "") + ": " + problem);
        this.file = file;
        this.line = line;
    }

    public ConfigException(Path file, int line, String problem, Throwable cause) {
        this(file, line, problem);
        initCause(cause);
    }

    public Path file() {
        return file;
    }

    /** 1-based line of the offending key or value, or 0 when the problem is the file as a whole. */
    public int line() {
        return line;
    }
}
