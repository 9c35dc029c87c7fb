package io.nexo.p2p.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.ProtocolStringList;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.wire.proto.Direct;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Gossip;
import io.nexo.p2p.wire.proto.Hello;
import io.nexo.p2p.wire.proto.PeerAddress;
import io.nexo.p2p.wire.proto.Welcome;

import java.util.List;

/**
 * Checks every field of a parsed {@link Envelope} against {@link WireLimits}, before any handler
 * looks at it: lengths are read from the encoded bytes, so nothing is decoded or copied for a field
 * that breaks its bound. Stateless; a violation throws {@link WireLimitException} with its reason.
 */
public final class EnvelopeValidator {

    private EnvelopeValidator() {
    }

    /** Throws if {@code env} breaks a bound; returns it otherwise. */
    public static Envelope check(Envelope env) throws WireLimitException {
        switch (env.getBodyCase()) {
            case HELLO -> hello(env.getHello());
            case WELCOME -> welcome(env.getWelcome());
            case GOODBYE -> maxBytes(env.getGoodbye().getReasonBytes(), WireLimits.MAX_REASON_BYTES,
                    WireViolation.REASON, "Goodbye.reason");
            case GOSSIP -> gossip(env.getGossip());
            case IHAVE -> ids(env.getIhave().getIdsList(), WireLimits.MAX_IHAVE_IDS, "IHave.ids");
            case GRAFT -> ids(env.getGraft().getIdsList(), WireLimits.MAX_GRAFT_IDS, "Graft.ids");
            case DIRECT -> direct(env.getDirect());
            case HOLE_PUNCH -> addrs(env.getHolePunch().getAddrsList(), "HolePunch.addrs");
            case PEX -> {
                List<PeerAddress> peers = env.getPex().getPeersList();
                if (peers.size() > WireLimits.MAX_PEX_ENTRIES) {
                    throw new WireLimitException(WireViolation.PEX_ENTRIES, "PeerExchange.peers: " + peers.size()
                            + " entries (expected: at most " + WireLimits.MAX_PEX_ENTRIES + ")");
                }
                for (PeerAddress p : peers) {
                    // names are checked per entry by the address exchange, which skips a bad entry alone
                    // an entry may leave peer_id out when it carries a signed record (the record names its peer)
                    if (!p.getPeerIdBytes().isEmpty() || !p.hasSignedRecord()) {
                        peerId(p.getPeerIdBytes(), "PeerAddress.peer_id");
                    }
                    addrs(p.getAddrsList(), "PeerAddress.addrs");
                    // the record's content and signature are checked by the address exchange (a forgery is counted)
                    signatureFields(p.getSignedRecord().getRecord(), WireLimits.MAX_PEER_RECORD_BYTES,
                            "PeerAddress.signed_record.record");
                    signatureFields(p.getSignedRecord().getKey(), WireLimits.MAX_KEY_BYTES, "PeerAddress.signed_record.key");
                    signatureFields(p.getSignedRecord().getSignature(), WireLimits.MAX_SIGNATURE_BYTES,
                            "PeerAddress.signed_record.signature");
                }
            }
            case RELAY_RESERVATION -> maxBytes(env.getRelayReservation().getReasonBytes(),
                    WireLimits.MAX_REASON_BYTES, WireViolation.REASON, "RelayReservation.reason");
            case RELAY_INCOMING -> exactBytes(env.getRelayIncoming().getToken(), WireLimits.RELAY_TOKEN_BYTES,
                    "RelayIncoming.token");
            case DIAL_BACK_REQUEST -> exactBytes(env.getDialBackRequest().getNonce(), WireLimits.RELAY_TOKEN_BYTES,
                    "DialBackRequest.nonce");
            case DIAL_BACK_RESPONSE -> {
                exactBytes(env.getDialBackResponse().getNonce(), WireLimits.RELAY_TOKEN_BYTES, "DialBackResponse.nonce");
                maxBytes(env.getDialBackResponse().getObservedAddrBytes(), WireLimits.MAX_ADDR_BYTES,
                        WireViolation.ADDRESSES, "DialBackResponse.observed_addr");
                maxBytes(env.getDialBackResponse().getReasonBytes(), WireLimits.MAX_REASON_BYTES, WireViolation.REASON,
                        "DialBackResponse.reason");
            }
            default -> {
                // Ping, Pong, Prune, PeerExchangeRequest (its max is clamped by the answerer),
                // and cases of a newer protocol version (ignored by the session)
            }
        }
        return env;
    }

    private static void hello(Hello h) throws WireLimitException {
        peerId(h.getPeerIdBytes(), "Hello.peer_id");
        exactBytes(h.getNonce(), WireLimits.NONCE_BYTES, "Hello.nonce");
    }

    private static void welcome(Welcome w) throws WireLimitException {
        if (!w.getNetworkProof().isEmpty()) {
            exactBytes(w.getNetworkProof(), WireLimits.PROOF_BYTES, "Welcome.network_proof");
        }
        name(w.getNameBytes(), "Welcome.name");
        addrs(w.getListenAddrsList(), "Welcome.listen_addrs");
    }

    private static void gossip(Gossip g) throws WireLimitException {
        exactBytes(g.getId(), WireLimits.MESSAGE_ID_BYTES, "Gossip.id");
        peerId(g.getOriginIdBytes(), "Gossip.origin_id");
        name(g.getOriginNameBytes(), "Gossip.origin_name");
        topic(g.getTopicBytes(), "Gossip.topic");
        // the signature itself is checked before delivery (a forgery is counted, three close the session)
        signatureFields(g.getOriginKey(), WireLimits.MAX_KEY_BYTES, "Gossip.origin_key");
        signatureFields(g.getSignature(), WireLimits.MAX_SIGNATURE_BYTES, "Gossip.signature");
    }

    private static void signatureFields(ByteString b, int max, String field) throws WireLimitException {
        maxBytes(b, max, WireViolation.SIGNATURE_FIELD, field);
    }

    private static void direct(Direct d) throws WireLimitException {
        exactBytes(d.getId(), WireLimits.MESSAGE_ID_BYTES, "Direct.id");
        peerId(d.getFromIdBytes(), "Direct.from_id");
        peerId(d.getToIdBytes(), "Direct.to_id");
        name(d.getFromNameBytes(), "Direct.from_name");
    }

    private static void ids(List<ByteString> ids, int max, String field) throws WireLimitException {
        if (ids.size() > max) {
            throw new WireLimitException(WireViolation.ID_COUNT, field + ": " + ids.size()
                    + " ids (expected: at most " + max + ")");
        }
        for (ByteString id : ids) {
            exactBytes(id, WireLimits.MESSAGE_ID_BYTES, field);
        }
    }

    private static void exactBytes(ByteString b, int length, String field) throws WireLimitException {
        if (b.size() != length) {
            throw new WireLimitException(WireViolation.ID_LENGTH, field + ": " + b.size()
                    + " bytes (expected: " + length + ")");
        }
    }

    private static void peerId(ByteString utf8, String field) throws WireLimitException {
        boolean ok = utf8.size() == PeerId.LENGTH;
        for (int i = 0; ok && i < utf8.size(); i++) {
            byte c = utf8.byteAt(i);
            ok = c >= 'a' && c <= 'z' || c >= '2' && c <= '7'; // base32, lower case: as PeerId prints it
        }
        if (!ok) {
            throw new WireLimitException(WireViolation.PEER_ID, field + ": not a peer id ("
                    + utf8.size() + " bytes; expected: " + PeerId.LENGTH + " characters of a-z and 2-7)");
        }
    }

    /**
     * A name: at most {@link WireLimits#MAX_NAME_BYTES} of valid UTF-8 without control characters.
     * Public so that what a node says about itself is checked by the same rule.
     */
    public static String nameProblem(ByteString utf8) {
        if (utf8.size() > WireLimits.MAX_NAME_BYTES) {
            return utf8.size() + " bytes (expected: at most " + WireLimits.MAX_NAME_BYTES + ")";
        }
        if (!utf8.isValidUtf8()) {
            return "not UTF-8";
        }
        // valid UTF-8 from here: the C0 controls and DEL are single bytes, and the C1 controls
        // (U+0080-U+009F) are 0xC2 followed by 0x80-0x9F; any other 0xC2 pair is printable
        for (int i = 0; i < utf8.size(); i++) {
            int b = utf8.byteAt(i) & 0xff;
            if (b < 0x20 || b == 0x7f || b == 0xc2 && (utf8.byteAt(i + 1) & 0xff) <= 0x9f) {
                return "control characters";
            }
        }
        return null;
    }

    private static void name(ByteString utf8, String field) throws WireLimitException {
        String problem = nameProblem(utf8);
        if (problem != null) {
            throw new WireLimitException(WireViolation.NAME, field + ": " + problem);
        }
    }

    private static void topic(ByteString ascii, String field) throws WireLimitException {
        boolean printable = ascii.size() <= WireLimits.MAX_TOPIC_BYTES;
        for (int i = 0; printable && i < ascii.size(); i++) {
            byte c = ascii.byteAt(i);
            printable = c > 0x20 && c < 0x7f;
        }
        if (!printable) {
            throw new WireLimitException(WireViolation.TOPIC, field + ": " + ascii.size()
                    + " bytes (expected: at most " + WireLimits.MAX_TOPIC_BYTES + " printable US-ASCII, no spaces)");
        }
    }

    private static void maxBytes(ByteString b, int max, WireViolation v, String field) throws WireLimitException {
        if (b.size() > max) {
            throw new WireLimitException(v, field + ": " + b.size() + " bytes (expected: at most " + max + ")");
        }
    }

    private static void addrs(ProtocolStringList addrs, String field) throws WireLimitException {
        if (addrs.size() > WireLimits.MAX_ADDRS) {
            throw new WireLimitException(WireViolation.ADDRESSES, field + ": " + addrs.size()
                    + " addresses (expected: at most " + WireLimits.MAX_ADDRS + ")");
        }
        for (ByteString a : addrs.asByteStringList()) {
            maxBytes(a, WireLimits.MAX_ADDR_BYTES, WireViolation.ADDRESSES, field);
        }
    }
}
