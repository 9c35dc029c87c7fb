package io.nexo.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code nexo} command: one subcommand per job. This is the only {@code main} in nexo.
 */
@Command(name = "nexo",
        mixinStandardHelpOptions = true,
        versionProvider = NexoVersion.class,
        description = "Peer-to-peer network and TCP load balancer.",
        subcommands = {
                CommandLine.HelpCommand.class,
                DemoCommand.class,
                LbCommand.class,
                BackendCommand.class,
                RequestCommand.class,
                io.nexo.cli.peer.PeerCommand.class,
                BenchCommand.class,
        })
public final class Nexo implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        // "nexo" alone: say what there is to do.
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the command line with nexo's converters and error handling; tests use it too. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Nexo());
        cl.registerConverter(io.nexo.core.net.HostAndPort.class, new HostAndPortConverter());
        cl.registerConverter(java.time.Duration.class, new DurationConverter());
        cl.setParameterExceptionHandler(new OneLineErrorHandler());
        cl.setExecutionExceptionHandler(new OneLineErrorHandler());
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
