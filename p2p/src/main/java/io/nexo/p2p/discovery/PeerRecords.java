package io.nexo.p2p.discovery;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.identity.Signatures;
import io.nexo.p2p.identity.VerifiedSignatures;
import io.nexo.p2p.identity.VerifyingKey;
import io.nexo.p2p.wire.proto.PeerRecord;
import io.nexo.p2p.wire.proto.SignedPeerRecord;
import io.nexo.p2p.wire.WireLimits;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Signed peer records (libp2p's, RFC 0003): a node signs its own addresses with its node key, and
 * peer exchange passes the record on verbatim, so an entry about a peer can only come from that
 * peer. This class signs and verifies them, and keeps the newest record of each peer (bounded,
 * least recently updated forgotten first). Not thread-safe (the node's control thread).
 */
public final class PeerRecords {

    private static final byte[] PREFIX = "nexo-peer-record-v1\0".getBytes(StandardCharsets.US_ASCII);
    /** Addresses a record may list. */
    public static final int MAX_ADDRS = 8;
    private static final int MAX_RECORD_BYTES = WireLimits.MAX_PEER_RECORD_BYTES;
    private static final int MAX_KEY_BYTES = WireLimits.MAX_KEY_BYTES;
    private static final int MAX_SIGNATURE_BYTES = WireLimits.MAX_SIGNATURE_BYTES;

    /**
     * A verified record: {@code addrs} where the peer can be dialled directly, {@code relays} the
     * relays it holds a reservation on (listed as {@code relay:HOST:PORT}: reach it with
     * {@link DialTarget#viaRelay}).
     */
    public record Verified(PeerId peer, long seqno, String name, List<HostAndPort> addrs, List<HostAndPort> relays,
                           SignedPeerRecord signed) {

        /** Where to dial the peer: its direct addresses first, then through its relays. */
        public List<DialTarget> targets() {
            List<DialTarget> out = new ArrayList<>();
            addrs.forEach(a -> out.add(DialTarget.of(peer, a)));
            relays.forEach(r -> out.add(DialTarget.viaRelay(peer, r)));
            return out;
        }
    }

    private final LinkedHashMap<PeerId, Verified> newest;

    public PeerRecords(int capacity) {
        this.newest = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<PeerId, Verified> eldest) {
                return size() > capacity;
            }
        };
    }

    /** {@code identity}'s record of its addresses. */
    public static SignedPeerRecord sign(NodeIdentity identity, String name, List<HostAndPort> addrs, long seqno) {
        return sign(identity, name, addrs, List.of(), seqno);
    }

    /**
     * {@code identity}'s record of its direct addresses and of the relays it is reachable through
     * ({@code relay:HOST:PORT}), at most {@link #MAX_ADDRS} in all, direct ones first.
     */
    public static SignedPeerRecord sign(NodeIdentity identity, String name, List<HostAndPort> addrs,
                                        List<HostAndPort> relays, long seqno) {
        List<String> all = new ArrayList<>();
        addrs.forEach(a -> all.add(a.toString()));
        relays.forEach(r -> all.add(DialTarget.RELAY_PREFIX + r));
        PeerRecord r = PeerRecord.newBuilder().setPeerId(identity.peerId().value()).setSeqno(seqno).setName(name)
                .addAllAddrs(all.stream().limit(MAX_ADDRS).toList()).build();
        ByteString bytes = r.toByteString();
        return SignedPeerRecord.newBuilder().setRecord(bytes)
                .setKey(ByteString.copyFrom(identity.publicKey().getEncoded()))
                .setSignature(ByteString.copyFrom(Signatures.sign(identity.privateKey(), PREFIX, bytes.toByteArray())))
                .build();
    }

    /** The record's content when its key hashes to its peer id and the signature verifies; empty otherwise. */
    public static Optional<Verified> verify(SignedPeerRecord signed) {
        return verify(signed, VerifiedSignatures.none());
    }

    /**
     * As {@link #verify(SignedPeerRecord)}, skipping the signature verification when {@code memo}
     * knows this very signature valid (nodes sharing a process).
     */
    public static Optional<Verified> verify(SignedPeerRecord signed, VerifiedSignatures memo) {
        if (signed.getRecord().size() > MAX_RECORD_BYTES || signed.getKey().size() > MAX_KEY_BYTES
                || signed.getSignature().isEmpty() || signed.getSignature().size() > MAX_SIGNATURE_BYTES) {
            return Optional.empty();
        }
        try {
            PeerRecord r = PeerRecord.parseFrom(signed.getRecord());
            if (!PeerId.looksLikePeerId(r.getPeerId()) || r.getAddrsCount() > MAX_ADDRS) {
                return Optional.empty();
            }
            Optional<VerifyingKey> key = Signatures.keyOf(new PeerId(r.getPeerId()), signed.getKey());
            if (key.isEmpty()) {
                return Optional.empty();
            }
            byte[] digest = Signatures.digest(PREFIX, signed.getRecord().toByteArray());
            ByteString memoKey = memo.keyOf(signed.getKey(), signed.getSignature(), digest);
            if (!memo.knownValid(memoKey)) {
                if (!Signatures.verifyDigest(key.get(), signed.getSignature().toByteArray(), digest)) {
                    return Optional.empty();
                }
                memo.rememberValid(memoKey);
            }
            List<HostAndPort> addrs = new ArrayList<>();
            List<HostAndPort> relays = new ArrayList<>();
            for (String a : r.getAddrsList()) {
                // a syntax error anywhere refuses the whole record (IllegalArgumentException below)
                if (a.length() > WireLimits.MAX_ADDR_BYTES) {
                    return Optional.empty();
                }
                if (a.startsWith(DialTarget.RELAY_PREFIX)) {
                    relays.add(HostAndPort.parse(a.substring(DialTarget.RELAY_PREFIX.length())));
                } else {
                    addrs.add(HostAndPort.parse(a));
                }
            }
            return Optional.of(new Verified(new PeerId(r.getPeerId()), r.getSeqno(), r.getName(), List.copyOf(addrs),
                    List.copyOf(relays), signed));
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The record held for the peer {@code signed} names, when {@code signed} is exactly it (same
     * content, key and signature): verified when it was first offered, so it needs no new
     * verification. Peer exchange answers repeat the records a node already holds.
     */
    public Optional<Verified> heldIdentical(SignedPeerRecord signed) {
        if (signed.getRecord().size() > MAX_RECORD_BYTES) {
            return Optional.empty();
        }
        try {
            String peer = PeerRecord.parseFrom(signed.getRecord()).getPeerId();
            if (!PeerId.looksLikePeerId(peer)) {
                return Optional.empty();
            }
            Verified held = newest.get(new PeerId(peer));
            return held != null && held.signed().equals(signed) ? Optional.of(held) : Optional.empty();
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Keeps {@code r} when it is newer than the record held for its peer; true when it was. */
    public boolean offer(Verified r) {
        Verified held = newest.get(r.peer());
        if (held != null && Long.compareUnsigned(r.seqno(), held.seqno()) <= 0) {
            return false;
        }
        newest.put(r.peer(), r);
        return true;
    }

    /** The newest record of {@code peer}, as it signed it. */
    public Optional<SignedPeerRecord> get(PeerId peer) {
        Verified v = newest.get(peer);
        return v == null ? Optional.empty() : Optional.of(v.signed());
    }
}
