package io.nexo.p2p.nat;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.PeerId;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Whether this node can be dialled, from the dial-back verdicts of its peers (AutoNAT): each peer's
 * latest verdict counts once, the {@link #MAX_VERDICTS} newest peers are kept, and a verdict older
 * than {@code maxAge} is forgotten. One success (the nonce arrived on the listening socket) makes
 * the node {@code PUBLIC} at the address it was reached at; failures with no success make it
 * {@code PRIVATE}; nothing yet is {@code UNKNOWN}. Not thread-safe: the node's control loop owns it.
 *
 * <pre>
 *   UNKNOWN --failure--> PRIVATE --success--> PUBLIC
 *      \------------------success-------------^  (PUBLIC falls back when its successes age out)
 * </pre>
 */
public final class Reachability {

    /** What the node knows of its own reachability. */
    public enum Status {
        /** Peers dialled it back: others can connect to it. */
        PUBLIC,
        /** Dial-backs failed: it is behind a NAT or firewall. */
        PRIVATE,
        /** No verdict yet. */
        UNKNOWN;

        /** Lower-case, as printed. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Peers whose verdicts are kept. */
    public static final int MAX_VERDICTS = 8;

    private record Verdict(boolean reached, HostAndPort address, long at) {
    }

    private final long maxAgeMillis;
    private final LongSupplier millis;
    private final Map<PeerId, Verdict> verdicts = new LinkedHashMap<>();

    /** @param maxAgeMillis how long a verdict counts */
    public Reachability(long maxAgeMillis, LongSupplier millis) {
        if (maxAgeMillis <= 0) {
            throw new IllegalArgumentException("maxAgeMillis: " + maxAgeMillis + " (expected: > 0)");
        }
        this.maxAgeMillis = maxAgeMillis;
        this.millis = millis;
    }

    /** {@code by} reached this node at {@code address}. */
    public void reached(PeerId by, HostAndPort address) {
        put(by, new Verdict(true, address, millis.getAsLong()));
    }

    /** {@code by} could not reach this node. */
    public void unreachable(PeerId by) {
        put(by, new Verdict(false, null, millis.getAsLong()));
    }

    private void put(PeerId by, Verdict v) {
        verdicts.remove(by); // re-inserted as the newest
        verdicts.put(by, v);
        while (verdicts.size() > MAX_VERDICTS) {
            verdicts.remove(verdicts.keySet().iterator().next());
        }
    }

    public Status status() {
        expire();
        if (verdicts.values().stream().anyMatch(Verdict::reached)) {
            return Status.PUBLIC;
        }
        return verdicts.isEmpty() ? Status.UNKNOWN : Status.PRIVATE;
    }

    /** The address peers most recently reached this node at, when it is public. */
    public Optional<HostAndPort> verifiedAddress() {
        expire();
        HostAndPort last = null;
        for (Verdict v : verdicts.values()) {
            if (v.reached()) {
                last = v.address();
            }
        }
        return Optional.ofNullable(last);
    }

    /** Every address peers reached this node at (a verdict that still counts), oldest first, each once. */
    public List<HostAndPort> verifiedAddresses() {
        expire();
        Set<HostAndPort> out = new LinkedHashSet<>();
        for (Verdict v : verdicts.values()) {
            if (v.reached()) {
                out.add(v.address());
            }
        }
        return List.copyOf(out);
    }

    /** Verdicts that still count. */
    public int verdicts() {
        expire();
        return verdicts.size();
    }

    /** True when {@code by} gave a verdict that still counts. */
    public boolean hasVerdictFrom(PeerId by) {
        expire();
        return verdicts.containsKey(by);
    }

    private void expire() {
        long now = millis.getAsLong();
        verdicts.values().removeIf(v -> now - v.at() >= maxAgeMillis);
    }
}
