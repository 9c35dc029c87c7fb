package io.nexo.cli;

/**
 * Bad input found after parsing (a port in use, an empty backend list...): printed as one line,
 * exit code {@link ExitCodes#USAGE}.
 */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }

    public UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
