package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.Backoff;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.PeerId;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

/**
 * The {@code --join} peers: dialled at start and whenever lost, with backoff, and the peer id each
 * turned out to have. Control loop only.
 */
final class BootstrapPeers {

    private static final class State {
        final DialTarget target;
        PeerId learnedId;
        int failures;
        long nextAttemptMillis;

        State(DialTarget target) {
            this.target = target;
        }

        PeerId id() {
            return learnedId != null ? learnedId : target.peerId().orElse(null);
        }
    }

    private final Map<HostAndPort, State> states = new LinkedHashMap<>();
    private final Backoff backoff;
    private final Random random;

    BootstrapPeers(List<DialTarget> targets, Backoff backoff, Random random) {
        this.backoff = backoff;
        this.random = random;
        for (DialTarget t : targets) {
            states.put(t.address(), new State(t));
        }
    }

    /** True when {@code address} is a bootstrap peer's. */
    boolean isBootstrap(HostAndPort address) {
        return states.containsKey(address);
    }

    /** True when {@code id} is (or turned out to be) a bootstrap peer. */
    boolean isBootstrap(PeerId id) {
        for (State s : states.values()) {
            if (id.equals(s.id())) {
                return true;
            }
        }
        return false;
    }

    /** The bootstrap peers not connected whose backoff has passed and that are not being dialled. */
    List<DialTarget> due(long nowMillis, Predicate<PeerId> connected, Predicate<HostAndPort> dialing) {
        List<DialTarget> out = new ArrayList<>();
        for (State s : states.values()) {
            PeerId id = s.id();
            boolean up = id != null && connected.test(id);
            if (!up && nowMillis >= s.nextAttemptMillis && !dialing.test(s.target.address())) {
                out.add(s.target);
            }
        }
        return out;
    }

    /** A dial to {@code address} succeeded with peer {@code id}. */
    void connected(HostAndPort address, PeerId id) {
        State s = states.get(address);
        if (s != null) {
            s.learnedId = id;
            s.failures = 0;
        }
    }

    /**
     * A dial to {@code address} failed: back off. Returns true on the first failure in a row of a
     * bootstrap peer (worth telling the user once), false otherwise.
     */
    boolean failed(HostAndPort address, long nowMillis) {
        State s = states.get(address);
        if (s == null) {
            return false;
        }
        boolean first = s.failures == 0;
        s.failures++;
        s.nextAttemptMillis = nowMillis + backoff.delay(s.failures, random).toMillis();
        return first;
    }
}
