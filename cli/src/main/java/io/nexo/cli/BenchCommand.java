package io.nexo.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code nexo bench}: benchmarks that run inside one JVM over real sockets. One subcommand each. */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks over real loopback sockets (see docs/benchmarks.md).",
        subcommands = {
                GossipBenchCommand.class,
                TransferBenchCommand.class,
        })
public final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
