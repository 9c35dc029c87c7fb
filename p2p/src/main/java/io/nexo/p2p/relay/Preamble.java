package io.nexo.p2p.relay;

import io.nexo.p2p.identity.PeerId;

import java.util.HexFormat;

/**
 * The one plaintext line that opens a relayed connection, before any TLS byte, and the relay's one
 * line of answer. ASCII, ended by {@code \n}, at most {@link #MAX_LINE} bytes:
 * <pre>
 *   dialler  -> relay   NEXO-RELAY CONNECT &lt;peer id&gt;     (reach this reserved node)
 *   reserved -> relay   NEXO-RELAY ACCEPT &lt;token, hex&gt;   (the circuit the relay told me about)
 *   relay    -> both    OK | ERR &lt;reason&gt;
 *   any node -> a peer  NEXO-DIALBACK &lt;nonce, hex&gt;   (AutoNAT: you are reachable here)  -> OK
 * </pre>
 * A TLS connection's first byte is 0x16 (a handshake record), never {@code 'N'}: a relay tells the
 * two apart on its one listening port by that byte.
 */
public final class Preamble {

    /** First byte of a relay request (a TLS ClientHello starts with 0x16). */
    public static final byte FIRST_BYTE = 'N';
    /** Longest line either side accepts, {@code \n} included. */
    public static final int MAX_LINE = 128;
    static final String CONNECT = "NEXO-RELAY CONNECT ";
    static final String ACCEPT = "NEXO-RELAY ACCEPT ";
    static final String DIAL_BACK = "NEXO-DIALBACK ";
    /** The answer that accepts a request. */
    public static final String OK = "OK";
    static final String ERR = "ERR ";

    private Preamble() {
    }

    public static String connect(PeerId target) {
        return CONNECT + target.value() + "\n";
    }

    public static String accept(byte[] token) {
        return ACCEPT + HexFormat.of().formatHex(token) + "\n";
    }

    public static String dialBack(String nonceHex) {
        return DIAL_BACK + nonceHex + "\n";
    }

    static String error(String reason) {
        return ERR + reason + "\n";
    }
}
