package io.nexo.cli;

import io.nexo.core.config.Durations;
import io.nexo.core.net.HostAndPort;
import io.nexo.tools.demo.RequestClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code nexo request}: the seed's client; one connection per request. */
@Command(name = "request",
        mixinStandardHelpOptions = true,
        header = "Sends a message, prints the answer (the seed's client).",
        sortOptions = false,
        description = {
                "Sends MESSAGE on a new connection, reads the answer until the server closes, and prints "
                        + "'Received: <answer>'; --count repeats it, one connection each. "
                        + "Exit 1 if any request fails.",
                ""})
final class RequestCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--to", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8000",
            description = "Where to send (default: ${DEFAULT-VALUE}, the balancer).")
    HostAndPort to;

    @Option(names = "--count", paramLabel = "N", defaultValue = "1",
            description = "Number of requests, each on its own connection (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s",
            description = "Longest wait to connect, and for the answer (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MESSAGE", defaultValue = RequestClient.DEFAULT_MESSAGE,
            description = "Request to send (default: '${DEFAULT-VALUE}').")
    String message;

    @Override
    public Integer call() {
        if (count < 1) {
            throw new UsageException("--count: " + count + " (expected: >= 1)");
        }
        if (timeout.isZero() || timeout.isNegative()) {
            throw new UsageException("--timeout: " + Durations.format(timeout) + " (expected: > 0)");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RequestClient client = new RequestClient(to, timeout);
        int failed = 0;
        for (int i = 0; i < count; i++) {
            try {
                out.println("Received: " + stripNewline(client.send(message)));
            } catch (IOException e) {
                failed++;
                err.println("nexo request: " + e.getMessage());
            }
            out.flush();
            err.flush();
        }
        return failed == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    /** The seed's answers end with a newline; print each on one line. */
    static String stripNewline(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
            end--;
        }
        return s.substring(0, end);
    }
}
