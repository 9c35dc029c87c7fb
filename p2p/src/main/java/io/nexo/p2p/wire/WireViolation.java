package io.nexo.p2p.wire;

/** Why an envelope was refused at decode: one counter per reason (see {@link WireLimits}). */
public enum WireViolation {
    /** A gossip or direct message id, nonce or proof of the wrong length. */
    ID_LENGTH,
    /** A field that must hold a peer id does not. */
    PEER_ID,
    /** A name too long or with control characters. */
    NAME,
    /** A topic or protocol name too long or not printable US-ASCII. */
    TOPIC,
    /** More addresses than {@link WireLimits#MAX_ADDRS}, or one longer than {@link WireLimits#MAX_ADDR_BYTES}. */
    ADDRESSES,
    /** More ids in an IHave or Graft than allowed. */
    ID_COUNT,
    /** More peer exchange entries than {@link WireLimits#MAX_PEX_ENTRIES}. */
    PEX_ENTRIES,
    /** A Goodbye reason over {@link WireLimits#MAX_REASON_BYTES}. */
    REASON,
    /** A key, signature or signed peer record longer than its bound. */
    SIGNATURE_FIELD
}
