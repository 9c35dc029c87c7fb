package io.nexo.p2p.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

import java.nio.charset.StandardCharsets;

/**
 * An application frame carried as raw bytes (frame kind 2): a short protocol name and a payload
 * that is neither parsed nor copied on the way through (the decoder hands out a retained slice of
 * the read buffer; the encoder writes the payload buffer as is). Meant for bulk data such as file
 * chunks; the receiver owns the frame and must release it.
 */
public final class BinaryFrame extends DefaultByteBufHolder {

    /** Longest protocol name (bytes of US-ASCII). */
    public static final int MAX_PROTOCOL_LENGTH = 64;

    private final String protocol;

    public BinaryFrame(String protocol, ByteBuf payload) {
        super(payload);
        if (protocol.isEmpty() || protocol.length() > MAX_PROTOCOL_LENGTH
                || !StandardCharsets.US_ASCII.newEncoder().canEncode(protocol)) {
            throw new IllegalArgumentException("protocol: '" + protocol + "' (expected: 1-"
                    + MAX_PROTOCOL_LENGTH + " US-ASCII characters)");
        }
        this.protocol = protocol;
    }

    public String protocol() {
        return protocol;
    }

    @Override
    public BinaryFrame replace(ByteBuf content) {
        return new BinaryFrame(protocol, content);
    }

    @Override
    public String toString() {
        return "BinaryFrame(" + protocol + ", " + content().readableBytes() + " bytes)";
    }
}
