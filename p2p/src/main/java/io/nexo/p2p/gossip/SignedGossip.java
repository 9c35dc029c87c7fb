package io.nexo.p2p.gossip;

import com.google.protobuf.ByteString;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.identity.Signatures;
import io.nexo.p2p.identity.VerifyingKey;
import io.nexo.p2p.wire.proto.Gossip;
import io.nexo.p2p.wire.WireLimits;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * What the origin of a broadcast signs, and how its message id is derived (the model is
 * go-libp2p-pubsub's {@code sign.go}, StrictSign). The signed bytes are a fixed domain prefix then,
 * each length-prefixed: origin id, sequence number, origin time, origin name, topic, payload. The hop
 * count is not signed (relays change it). The message id is the first 16 bytes of
 * SHA-256("nexo-gossip-id-v1" | origin id | seqno), so a relay can neither choose an id nor reuse a
 * genuine one for other content.
 */
public final class SignedGossip {

    /** Domain separation: these signatures can never be mistaken for another nexo signature. */
    private static final byte[] SIGN_PREFIX = "nexo-gossip-sig-v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ID_PREFIX = "nexo-gossip-id-v1\0".getBytes(StandardCharsets.US_ASCII);
    /** Length of a message id. */
    public static final int ID_LENGTH = WireLimits.MESSAGE_ID_BYTES;

    private SignedGossip() {
    }

    /** Signs a new broadcast of {@code origin} (runs on one thread at a time: the caller's). */
    public static Gossip sign(NodeIdentity origin, String originName, long seqno, long timeMillis,
                              String topic, ByteString payload) {
        Gossip unsigned = Gossip.newBuilder()
                .setId(messageId(origin.peerId().value(), seqno))
                .setOriginId(origin.peerId().value())
                .setOriginName(originName)
                .setSeqno(seqno)
                .setOriginTimeMillis(timeMillis)
                .setTopic(topic)
                .setPayload(payload)
                .setHops(0)
                .setOriginKey(ByteString.copyFrom(origin.publicKey().getEncoded()))
                .build();
        return unsigned.toBuilder().setSignature(ByteString.copyFrom(
                Signatures.signDigest(origin.privateKey(), digest(unsigned)))).build();
    }

    /** The id a message of {@code originId} with {@code seqno} must carry. */
    public static ByteString messageId(String originId, long seqno) {
        MessageDigest sha = Signatures.sha256();
        sha.update(ID_PREFIX);
        sha.update(originId.getBytes(StandardCharsets.UTF_8));
        Signatures.updateLong(sha, seqno);
        return ByteString.copyFrom(sha.digest(), 0, ID_LENGTH);
    }

    /**
     * The origin of {@code g} when its key hashes to the origin id, its id is derived from origin and
     * seqno and the origin's signature verifies; empty otherwise. No replay or time check: for a
     * signed record passed on outside the broadcast (a file announcement in a catalog), whose
     * receiver checks its age itself.
     */
    public static Optional<PeerId> verify(Gossip g) {
        if (g.getSignature().isEmpty() || g.getSignature().size() > GossipVerifier.MAX_SIGNATURE_BYTES
                || g.getOriginKey().size() > GossipVerifier.MAX_KEY_BYTES
                || !PeerId.looksLikePeerId(g.getOriginId())
                || !g.getId().equals(messageId(g.getOriginId(), g.getSeqno()))) {
            return Optional.empty();
        }
        PeerId origin;
        try {
            origin = new PeerId(g.getOriginId());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return Signatures.keyOf(origin, g.getOriginKey())
                .filter(key -> signatureValid(g, key)).map(key -> origin);
    }

    /** True when {@code g}'s signature is {@code key}'s over {@link #digest}. */
    static boolean signatureValid(Gossip g, VerifyingKey key) {
        return Signatures.verifyDigest(key, g.getSignature().toByteArray(), digest(g));
    }

    /**
     * What {@code g}'s origin signs, digested: SHA-256 of the prefix, then every field but hops, id,
     * key and the signature itself, each length-prefixed (a 4-byte big-endian length; seqno and time
     * as 8-byte big-endian numbers). The fields are fed as they are: every node checks every
     * broadcast, and no copy of the payload is made for it.
     */
    static byte[] digest(Gossip g) {
        MessageDigest sha = Signatures.sha256();
        sha.update(SIGN_PREFIX);
        Signatures.updateInt(sha, g.getOriginIdBytes().size());
        Signatures.update(sha, g.getOriginIdBytes());
        Signatures.updateLong(sha, g.getSeqno());
        Signatures.updateLong(sha, g.getOriginTimeMillis());
        Signatures.updateInt(sha, g.getOriginNameBytes().size());
        Signatures.update(sha, g.getOriginNameBytes());
        Signatures.updateInt(sha, g.getTopicBytes().size());
        Signatures.update(sha, g.getTopicBytes());
        Signatures.updateInt(sha, g.getPayload().size());
        Signatures.update(sha, g.getPayload());
        return sha.digest();
    }
}
