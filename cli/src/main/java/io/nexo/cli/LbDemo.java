package io.nexo.cli;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.ListenException;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.tools.demo.DemoBackend;
import io.nexo.tools.demo.RequestClient;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The load-balancer part of {@code nexo demo}: the seed's set-up (three backends behind a round-robin
 * balancer) in one process, six requests through it, and what each one shows.
 */
final class LbDemo {

    static final int REQUESTS = 6;
    private static final String HOST = "127.0.0.1";
    private static final int SEED_LB_PORT = 8000;
    private static final int[] SEED_BACKEND_PORTS = {8001, 8002, 8003};
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final PrintWriter out;

    LbDemo(PrintWriter out) {
        this.out = out;
    }

    /** Runs the demo; returns the exit code (0 when every request was answered in round-robin order). */
    int run() throws IOException {
        out.println("== Load balancer demo ==");
        out.println("Three demo backends ('Server 1..3') answer 'Response from Server N' to any request.");
        out.println("A round-robin load balancer sits in front of them; each request is a new TCP connection");
        out.println("to the balancer, which forwards it to the next backend in turn.");
        out.println();
        List<DemoBackend> backends = new ArrayList<>();
        LoadBalancer lb = null;
        try {
            List<HostAndPort> backendAddresses = startBackends(backends);
            lb = startBalancer(backendAddresses);
            HostAndPort lbAddress = HostAndPort.of(lb.address().orElseThrow());
            boolean seedPorts = lbAddress.port() == SEED_LB_PORT
                    && backendAddresses.get(0).port() == SEED_BACKEND_PORTS[0];
            out.println(seedPorts ? "Started on the usual ports:"
                    : "Ports 8000-8003 are busy, so the demo uses free ports instead:");
            for (int i = 0; i < backends.size(); i++) {
                out.printf("  %-9s on %s%n", backends.get(i).name(), backendAddresses.get(i));
            }
            out.printf("  balancer  on %s -> %s%n", lbAddress, backendAddresses);
            out.println();
            out.printf("Sending %d requests ('%s') to the balancer at %s:%n", REQUESTS,
                    RequestClient.DEFAULT_MESSAGE, lbAddress);
            Map<String, Integer> perServer = new LinkedHashMap<>();
            for (DemoBackend b : backends) {
                perServer.put(b.name(), 0);
            }
            RequestClient client = new RequestClient(lbAddress, REQUEST_TIMEOUT);
            List<String> answeredBy = new ArrayList<>();
            for (int i = 1; i <= REQUESTS; i++) {
                String answer = RequestCommand.stripNewline(client.send(RequestClient.DEFAULT_MESSAGE));
                String server = answer.startsWith("Response from ") ? answer.substring("Response from ".length()) : "?";
                perServer.merge(server, 1, Integer::sum);
                answeredBy.add(server);
                out.printf("  request %d -> Received: %s%n", i, answer);
            }
            out.println();
            out.println("Requests per server:");
            perServer.forEach((server, n) -> out.printf("  %-9s %d%n", server, n));
            boolean roundRobin = isRoundRobin(answeredBy, backends);
            out.println();
            if (roundRobin) {
                out.println("Each new connection went to the next server in turn (1 2 3 1 2 3): that is round-robin.");
            } else {
                out.println("The order was not 1 2 3 1 2 3; something else is using these backends.");
            }
            out.println("Try it by hand: 'nexo backend --port 8001 --name \"Server 1\"' (and 2, 3), 'nexo lb',");
            out.println("then 'nexo request --count 6'. See 'nexo lb --help' for health checks and timeouts.");
            out.flush();
            return roundRobin ? ExitCodes.OK : ExitCodes.FAILURE;
        } finally {
            if (lb != null) {
                lb.stop(Duration.ofSeconds(2));
            }
            for (DemoBackend b : backends) {
                b.close();
            }
            out.flush();
        }
    }

    private static boolean isRoundRobin(List<String> answeredBy, List<DemoBackend> backends) {
        for (int i = 0; i < answeredBy.size(); i++) {
            if (!answeredBy.get(i).equals(backends.get(i % backends.size()).name())) {
                return false;
            }
        }
        return true;
    }

    /** Seed ports 8001-8003 when all are free, otherwise three free ports. */
    private static List<HostAndPort> startBackends(List<DemoBackend> started) throws ListenException {
        List<HostAndPort> addresses = tryStartBackends(started, SEED_BACKEND_PORTS);
        return addresses != null ? addresses : tryStartBackends(started, new int[] {0, 0, 0});
    }

    private static List<HostAndPort> tryStartBackends(List<DemoBackend> started, int[] ports) throws ListenException {
        List<HostAndPort> addresses = new ArrayList<>();
        for (int i = 0; i < ports.length; i++) {
            DemoBackend b = new DemoBackend("Server " + (i + 1), new HostAndPort(HOST, ports[i]));
            try {
                addresses.add(HostAndPort.of(b.start()));
                started.add(b);
            } catch (ListenException e) {
                if (ports[i] == 0) {
                    throw e;
                }
                started.forEach(DemoBackend::close);
                started.clear();
                return null;
            }
        }
        return addresses;
    }

    private static LoadBalancer startBalancer(List<HostAndPort> backends) throws ListenException {
        try {
            return started(new LoadBalancer(BalancerConfig.onePool(new HostAndPort(HOST, SEED_LB_PORT), backends), 0));
        } catch (ListenException e) {
            return started(new LoadBalancer(BalancerConfig.onePool(new HostAndPort(HOST, 0), backends), 0));
        }
    }

    private static LoadBalancer started(LoadBalancer lb) throws ListenException {
        InetSocketAddress ignored = lb.start();
        return lb;
    }
}
