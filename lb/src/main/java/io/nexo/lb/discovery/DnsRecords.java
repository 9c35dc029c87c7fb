package io.nexo.lb.discovery;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The payload of the A, AAAA and SRV records that Netty's resolver hands over as raw records. Every
 * length is checked before it is read: a record of the wrong size is skipped, not trusted.
 */
final class DnsRecords {

    /** One SRV record (RFC 2782). */
    record Srv(int priority, int weight, int port, String target) {
    }

    private DnsRecords() {
    }

    /** The address of an A (4 bytes) or AAAA (16 bytes) record; empty for anything else. */
    static Optional<InetAddress> address(DnsRecord record) {
        if (!(record instanceof DnsRawRecord raw)) {
            return Optional.empty();
        }
        ByteBuf content = raw.content();
        int length = content.readableBytes();
        if (length != 4 && length != 16) {
            return Optional.empty();
        }
        byte[] bytes = new byte[length];
        content.getBytes(content.readerIndex(), bytes);
        try {
            return Optional.of(InetAddress.getByAddress(bytes));
        } catch (UnknownHostException e) {
            return Optional.empty(); // cannot happen for 4 or 16 bytes
        }
    }

    /** An SRV record's fields; empty when the record is too short, has port 0 or no target ("."). */
    static Optional<Srv> srv(DnsRecord record) {
        if (!(record instanceof DnsRawRecord raw) || raw.content().readableBytes() < 7) {
            return Optional.empty();
        }
        // the content is a view of the whole message, so a compressed target name still decodes
        ByteBuf in = raw.content().duplicate();
        int priority = in.readUnsignedShort();
        int weight = in.readUnsignedShort();
        int port = in.readUnsignedShort();
        String target;
        try {
            target = DefaultDnsRecordDecoder.decodeName(in);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        if (target.endsWith(".")) {
            target = target.substring(0, target.length() - 1);
        }
        if (port == 0 || target.isEmpty()) {
            return Optional.empty(); // "." = the service is decidedly not available here (RFC 2782)
        }
        return Optional.of(new Srv(priority, weight, port, target));
    }
}
