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
 * turned out to have. Each is known by its {@link DialTarget#place() place}, so a relay and a peer
 * reached through it ({@code --join R --join A@relay:R}) are two bootstrap peers. Control loop only.
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

    private final Map<DialTarget, State> states = new LinkedHashMap<>();
    private final Backoff backoff;
    private final Random random;

    BootstrapPeers(List<DialTarget> targets, Backoff backoff, Random random) {
        this.backoff = backoff;
        this.random = random;
        for (DialTarget t : targets) {
            states.put(t.place(), new State(t));
        }
    }

    /** True when {@code address} is a bootstrap peer's, or the relay of one. */
    boolean isBootstrap(HostAndPort address) {
        for (DialTarget t : states.keySet()) {
            if (t.address().equals(address)) {
                return true;
            }
        }
        return false;
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
    List<DialTarget> due(long nowMillis, Predicate<PeerId> connected, Predicate<DialTarget> dialing) {
        List<DialTarget> out = new ArrayList<>();
        for (State s : states.values()) {
            PeerId id = s.id();
            boolean up = id != null && connected.test(id);
            if (!up && nowMillis >= s.nextAttemptMillis && !dialing.test(s.target)) {
                out.add(s.target);
            }
        }
        return out;
    }

    /** A dial to {@code target} succeeded with peer {@code id}. */
    void connected(DialTarget target, PeerId id) {
        State s = states.get(target.place());
        if (s != null) {
            s.learnedId = id;
            s.failures = 0;
        }
    }

    /**
     * A dial to {@code target} failed: back off. Returns true on the first failure in a row of a
     * bootstrap peer (worth telling the user once), false otherwise.
     */
    boolean failed(DialTarget target, long nowMillis) {
        State s = states.get(target.place());
        if (s == null) {
            return false;
        }
        boolean first = s.failures == 0;
        s.failures++;
        s.nextAttemptMillis = nowMillis + backoff.delay(s.failures, random).toMillis();
        return first;
    }
}
