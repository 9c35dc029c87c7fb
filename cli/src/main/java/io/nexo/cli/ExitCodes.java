package io.nexo.cli;

/** The exit codes of every nexo command. */
public final class ExitCodes {
    /** Done. */
    public static final int OK = 0;
    /** The job ran and failed (nothing listens, a transfer failed...). */
    public static final int FAILURE = 1;
    /** Bad input: unknown flag, unparseable value, port in use, invalid config. Nothing was started. */
    public static final int USAGE = 2;

    private ExitCodes() {
    }
}
