package io.nexo.p2p.wire;

/**
 * Constants of the frame layout: {@code uint32 length | uint8 kind | body}, where {@code length}
 * counts the kind byte and the body. See docs/p2p-protocol.md.
 */
public final class WireFormat {
    /** Size of the length prefix. */
    public static final int LENGTH_BYTES = 4;
    /** Body is a protobuf {@code nexo.p2p.v1.Envelope}. */
    public static final byte KIND_ENVELOPE = 1;
    /** Body is {@code uint8 protocol length | protocol | payload}: a {@link BinaryFrame}. */
    public static final byte KIND_BINARY = 2;
    /** The protocol version carried in Hello. */
    public static final int PROTOCOL_VERSION = 1;

    private WireFormat() {
    }
}
