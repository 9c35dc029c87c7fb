package io.nexo.lb.policy;

import io.nexo.core.net.HostAndPort;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A mutable endpoint for policy tests: the test plays the balancer and sets load and weight. */
final class TestEndpoint implements Endpoint {

    private final String name;
    private final HostAndPort address;
    int weight;
    int active;

    TestEndpoint(String name, int port, int weight) {
        this.name = name;
        this.address = new HostAndPort("127.0.0.1", port);
        this.weight = weight;
    }

    static List<TestEndpoint> named(String... names) {
        List<TestEndpoint> list = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            list.add(new TestEndpoint(names[i], 8001 + i, 1));
        }
        return list;
    }

    static final Predicate<Endpoint> ANY = e -> true;

    /** Names of {@code count} picks from {@code policy} for the same client. */
    static String picks(LoadBalancingPolicy policy, int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            Endpoint e = policy.pick(null, ANY);
            sb.append(i == 0 ? "" : " ").append(e == null ? "-" : e.name());
        }
        return sb.toString();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public HostAndPort address() {
        return address;
    }

    @Override
    public int weight() {
        return weight;
    }

    @Override
    public int activeConnections() {
        return active;
    }

    @Override
    public String toString() {
        return name;
    }
}
