package io.nexo.cli;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.ListenException;
import io.nexo.tools.demo.DemoBackend;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;

/** {@code nexo backend}: the seed's demo backend, to put behind {@code nexo lb}. */
@Command(name = "backend",
        mixinStandardHelpOptions = true,
        header = "Demo backend: answers 'Response from <name>' and closes.",
        sortOptions = false,
        description = {
                "Demo backend server: for each connection, reads one request, answers "
                        + "'Response from <name>' and closes. Serves many connections at once; logs each one. "
                        + "Runs until SIGTERM/SIGINT.",
                ""})
final class BackendCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Address to listen on: a name, IPv4 or IPv6 (::1 or [::1]) (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8001",
            description = "Port to listen on, 0 = any free port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "Server 1",
            description = "Name in the answer 'Response from <name>' (default: ${DEFAULT-VALUE}).")
    String name;

    @Override
    public Integer call() throws Exception {
        DemoBackend backend = new DemoBackend(name, new HostAndPort(HostAndPort.parseHost(host), port));
        PrintWriter out = spec.commandLine().getOut();
        try (StopSignals signals = StopSignals.install()) {
            InetSocketAddress bound;
            try {
                bound = backend.start();
            } catch (ListenException e) {
                throw new UsageException(e.getMessage(), e);
            }
            try {
                out.println(name + " listening on " + HostAndPort.of(bound));
                out.flush();
                signals.await();
            } finally {
                backend.close();
            }
        }
        return ExitCodes.OK;
    }
}
