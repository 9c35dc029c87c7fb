package io.nexo.cli;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Turns every user error into one readable line on stderr, prefixed with the command
 * ({@code nexo lb: invalid address 'x' ...}), and the matching exit code. Stack traces are for bugs
 * only, and go through the log.
 */
final class OneLineErrorHandler implements CommandLine.IParameterExceptionHandler,
        CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        cl.getErr().println(cl.getCommandSpec().qualifiedName() + ": " + ex.getMessage()
                + " (see '" + cl.getCommandSpec().qualifiedName() + " --help')");
        return ExitCodes.USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        String who = cl.getCommandSpec().qualifiedName();
        if (ex instanceof UsageException || ex instanceof IllegalArgumentException) {
            cl.getErr().println(who + ": " + ex.getMessage());
            return ExitCodes.USAGE;
        }
        org.slf4j.LoggerFactory.getLogger(OneLineErrorHandler.class).error("{} failed", who, ex);
        cl.getErr().println(who + ": " + ex);
        return ExitCodes.FAILURE;
    }
}
