package io.nexo.p2p.discovery;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.PeerId;

import java.util.Objects;
import java.util.Optional;

/**
 * Where to dial, and optionally who must answer: {@code HOST:PORT} or {@code PEERID@HOST:PORT}.
 * A pinned id makes the connection fail unless the peer's certificate proves that id.
 */
public record DialTarget(Optional<PeerId> peerId, HostAndPort address) {

    public DialTarget {
        Objects.requireNonNull(peerId, "peerId");
        Objects.requireNonNull(address, "address");
        if (address.port() == 0) {
            throw new IllegalArgumentException("port: 0 (expected: 1-65535 to dial " + address + ")");
        }
    }

    public static DialTarget of(HostAndPort address) {
        return new DialTarget(Optional.empty(), address);
    }

    public static DialTarget of(PeerId id, HostAndPort address) {
        return new DialTarget(Optional.of(id), address);
    }

    /** Parses {@code HOST:PORT} or {@code PEERID@HOST:PORT}. */
    public static DialTarget parse(String text) {
        int at = text.indexOf('@');
        if (at < 0) {
            return of(HostAndPort.parse(text));
        }
        return new DialTarget(Optional.of(PeerId.parse(text.substring(0, at))), HostAndPort.parse(text.substring(at + 1)));
    }

    @Override
    public String toString() {
        return peerId.map(id -> id + "@" + address).orElse(address.toString());
    }
}
