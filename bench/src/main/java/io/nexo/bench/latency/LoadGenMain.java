package io.nexo.bench.latency;

import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;

/**
 * Command line of the open-loop load generator:
 * {@code java -cp benchmarks.jar io.nexo.bench.latency.LoadGenMain --rate 20000 --connections 64
 * --mode keepalive --warmup 3 --duration 10 http://127.0.0.1:8080/}. Exit 0 after a run, 2 with one
 * line on bad arguments, 1 when the run itself failed.
 */
public final class LoadGenMain {

    static final String USAGE = """
            usage: LoadGenMain [options] http://HOST:PORT/PATH
              --rate N         requests per second over all connections (required, 1-%d)
              --connections N  connections (keepalive) or concurrent slots (newconn), default 64
              --mode M         keepalive (HTTP/1.1, one request at a time per connection, like wrk)
                               or newconn (a new TCP connection per request), default keepalive
              --warmup S       seconds at the same rate before measuring (not measured), default 3
              --duration S     seconds measured, default 10
              --drain S        seconds answers are awaited after the last due time, default 2
              --transport T    the generator's sockets: auto (epoll, else nio), epoll, io_uring, nio
            Latency counts from each request's scheduled time (coordinated omission corrected).
            """.formatted(LoadSpec.MAX_RATE);

    private LoadGenMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        LoadSpec spec;
        try {
            spec = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("loadgen: " + e.getMessage());
            return 2;
        }
        if (spec == null) {
            out.print(USAGE);
            return 0;
        }
        try {
            out.print(new LoadGenerator(spec).run().format());
            return 0;
        } catch (RuntimeException e) {
            err.println("loadgen: " + e.getMessage());
            return 1;
        }
    }

    /** The spec of {@code args}, or null for {@code --help}. */
    static LoadSpec parse(String[] args) {
        Integer rate = null;
        int connections = 64;
        LoadSpec.Mode mode = LoadSpec.Mode.KEEPALIVE;
        Duration warmup = Duration.ofSeconds(3);
        Duration duration = Duration.ofSeconds(10);
        Duration drain = Duration.ofSeconds(2);
        String transport = "auto";
        String url = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                return null;
            }
            if (!a.startsWith("--")) {
                if (url != null) {
                    throw new IllegalArgumentException("one URL expected, got " + url + " and " + a);
                }
                url = a;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + ": missing value");
            }
            String v = args[++i];
            switch (a) {
                case "--rate" -> rate = integer(a, v);
                case "--connections" -> connections = integer(a, v);
                case "--mode" -> mode = LoadSpec.Mode.named(v);
                case "--warmup" -> warmup = seconds(a, v);
                case "--duration" -> duration = seconds(a, v);
                case "--drain" -> drain = seconds(a, v);
                case "--transport" -> transport = v;
                default -> throw new IllegalArgumentException("unknown option " + a + " (see --help)");
            }
        }
        if (rate == null) {
            throw new IllegalArgumentException("--rate is required (see --help)");
        }
        if (url == null) {
            throw new IllegalArgumentException("a URL is required, e.g. http://127.0.0.1:8080/");
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("URL: " + url + " (expected: http://HOST:PORT/PATH)");
        }
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("URL: " + url + " (expected: http://HOST:PORT/PATH)");
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        return new LoadSpec(mode, host, uri.getPort(), path, rate, connections, warmup, duration, drain, transport);
    }

    private static int integer(String flag, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": " + v + " (expected: a whole number)");
        }
    }

    private static Duration seconds(String flag, String v) {
        try {
            return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": " + v + " (expected: seconds, e.g. 2.5)");
        }
    }
}
