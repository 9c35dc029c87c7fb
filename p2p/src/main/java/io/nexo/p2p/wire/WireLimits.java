package io.nexo.p2p.wire;

/**
 * The bound of every field a peer can send, in one place (docs/p2p-protocol.md, "Bounds"). Checked
 * by {@link EnvelopeValidator} right after an envelope is parsed, before any handler sees it; the
 * same numbers bound what this node sends, so an honest node never sends what a peer must refuse.
 * A count or length that is not bounded here is bounded by the frame limit alone (payloads, texts).
 */
public final class WireLimits {

    /** Gossip and direct message ids: exactly this many bytes (a gossip id is derived from origin and seqno). */
    public static final int MESSAGE_ID_BYTES = 16;
    /** Hello nonce: exactly 32 random bytes. */
    public static final int NONCE_BYTES = 32;
    /** Bytes of a relay circuit token (RelayIncoming.token) and of a dial-back nonce. */
    public static final int RELAY_TOKEN_BYTES = 16;
    /** Network-key proof: empty (open network) or one HMAC-SHA256. */
    public static final int PROOF_BYTES = 32;
    /** Names (Welcome, gossip origin, direct sender, peer exchange): UTF-8 bytes, no control characters. */
    public static final int MAX_NAME_BYTES = 64;
    /** Gossip topics and app protocol names: printable US-ASCII. */
    public static final int MAX_TOPIC_BYTES = 64;
    /** Addresses one peer may list (Welcome.listen_addrs, one peer exchange entry). */
    public static final int MAX_ADDRS = 16;
    /** One {@code HOST:PORT}: a 253-byte DNS name (or a bracketed IPv6 literal), a colon and a port. */
    public static final int MAX_ADDR_BYTES = 261;
    /** Ids in one IHave (a sender splits a longer batch). */
    public static final int MAX_IHAVE_IDS = 512;
    /** Ids in one Graft (an honest node asks for one message at a time). */
    public static final int MAX_GRAFT_IDS = 16;
    /** Entries in one PeerExchange answer. */
    public static final int MAX_PEX_ENTRIES = 32;
    /** Goodbye reason: informative text, UTF-8 bytes. */
    public static final int MAX_REASON_BYTES = 512;
    /** An encoded public key (Gossip.origin_key, SignedPeerRecord.key): a P-256 key is 91 bytes. */
    public static final int MAX_KEY_BYTES = 128;
    /** A DER ECDSA signature (Gossip.signature, SignedPeerRecord.signature): P-256 makes at most 72 bytes. */
    public static final int MAX_SIGNATURE_BYTES = 80;
    /** An encoded PeerRecord (SignedPeerRecord.record): at most 8 addresses, a name and an id fit. */
    public static final int MAX_PEER_RECORD_BYTES = 2048;

    private WireLimits() {
    }
}
