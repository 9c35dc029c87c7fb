package io.nexo.p2p.discovery;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.PeerId;

import java.util.Objects;
import java.util.Optional;

/**
 * Where to dial, and optionally who must answer: {@code HOST:PORT} or {@code PEERID@HOST:PORT}.
 * A pinned id makes the connection fail unless the peer's certificate proves that id.
 * {@code PEERID@relay:HOST:PORT} ({@code viaRelay}) reaches that peer through the relay at
 * {@code HOST:PORT}, where it holds a reservation; the id is then required.
 */
public record DialTarget(Optional<PeerId> peerId, HostAndPort address, boolean viaRelay) {

    /** Prefix of a relayed address. */
    public static final String RELAY_PREFIX = "relay:";

    public DialTarget {
        Objects.requireNonNull(peerId, "peerId");
        Objects.requireNonNull(address, "address");
        if (address.port() == 0) {
            throw new IllegalArgumentException("port: 0 (expected: 1-65535 to dial " + address + ")");
        }
        if (viaRelay && peerId.isEmpty()) {
            throw new IllegalArgumentException("relay:" + address + " (expected: PEERID@relay:HOST:PORT, the peer to reach)");
        }
    }

    public DialTarget(Optional<PeerId> peerId, HostAndPort address) {
        this(peerId, address, false);
    }

    /** {@code id} through the relay at {@code relay}. */
    public static DialTarget viaRelay(PeerId id, HostAndPort relay) {
        return new DialTarget(Optional.of(id), relay, true);
    }

    public static DialTarget of(HostAndPort address) {
        return new DialTarget(Optional.empty(), address);
    }

    public static DialTarget of(PeerId id, HostAndPort address) {
        return new DialTarget(Optional.of(id), address);
    }

    /** Parses {@code HOST:PORT}, {@code PEERID@HOST:PORT} or {@code PEERID@relay:HOST:PORT}. */
    public static DialTarget parse(String text) {
        int at = text.indexOf('@');
        if (at < 0) {
            if (text.startsWith(RELAY_PREFIX)) {
                throw new IllegalArgumentException("'" + text + "' (expected: PEERID@relay:HOST:PORT, the peer to reach)");
            }
            return of(HostAndPort.parse(text));
        }
        String where = text.substring(at + 1);
        boolean relayed = where.startsWith(RELAY_PREFIX);
        return new DialTarget(Optional.of(PeerId.parse(text.substring(0, at))),
                HostAndPort.parse(relayed ? where.substring(RELAY_PREFIX.length()) : where), relayed);
    }

    /**
     * Where this target connects, as a key for the dials in flight and the {@code --join} peers: a
     * direct target's address (pinned id or not, whoever answers there), a relayed target whole (one
     * relay reaches many peers, and is itself dialled directly: {@code --join R} and
     * {@code --join A@relay:R} are two places).
     */
    public DialTarget place() {
        return viaRelay ? this : of(address);
    }

    @Override
    public String toString() {
        String where = (viaRelay ? RELAY_PREFIX : "") + address;
        return peerId.map(id -> id + "@" + where).orElse(where);
    }
}
