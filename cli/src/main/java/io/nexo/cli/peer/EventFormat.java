package io.nexo.cli.peer;

import io.nexo.core.net.HostAndPort;
import io.nexo.core.text.Printable;
import io.nexo.p2p.node.ConnectionCounts;
import io.nexo.p2p.node.PeerEvent;
import io.nexo.p2p.node.PeerInfo;
import io.nexo.p2p.nat.Reachability;
import io.nexo.p2p.relay.RelayStats;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns node events and console notices into lines: for people, or one JSON object each. */
final class EventFormat {

    private final boolean json;

    EventFormat(boolean json) {
        this.json = json;
    }

    boolean json() {
        return json;
    }

    String event(PeerEvent e) {
        if (e instanceof PeerEvent.Ready r) {
            return json ? Json.object(map("event", "ready", "peerId", r.peerId().value(), "name", r.name(),
                    "listen", r.listen().toString(), "advertised", r.advertised().stream().map(HostAndPort::toString).toList(),
                    "reachability", r.reachability().label()))
                    : "nexo peer " + r.name() + " (" + r.peerId() + ") listening on " + r.listen() + ", reachability "
                    + r.reachability().label() + "; type a line to send it to everyone, /help for commands";
        }
        if (e instanceof PeerEvent.PeerConnected c) {
            PeerInfo p = c.peer();
            return json ? Json.object(map("event", "peer-connected", "peerId", p.id().value(), "name", p.name(),
                    "address", p.remote().toString(), "direction", p.outbound() ? "outbound" : "inbound",
                    "path", p.path()))
                    : "* connected: " + safe(p.label()) + " at " + p.remote() + (p.outbound() ? " (outbound" : " (inbound")
                    + (p.relayed() ? ", relayed)" : ")");
        }
        if (e instanceof PeerEvent.RelayChanged r) {
            return json ? Json.object(map("event", r.reserved() ? "relay-reserved" : "relay-lost",
                    "address", r.address().toString(), "reason", r.reason()))
                    : r.reserved() ? "* reachable through a relay as " + r.address()
                    : "* relay reservation lost (" + safe(r.reason()) + "): " + r.address();
        }
        if (e instanceof PeerEvent.ReachabilityChanged r) {
            return json ? Json.object(map("event", "reachability", "status", r.status().label(),
                    "address", r.address().map(Object::toString).orElse("")))
                    : "* reachability: " + reachability(r.status(), r.address());
        }
        if (e instanceof PeerEvent.PeerDisconnected d) {
            PeerInfo p = d.peer();
            return json ? Json.object(map("event", "peer-disconnected", "peerId", p.id().value(), "name", p.name(),
                    "reason", d.reason()))
                    : "* lost connection with " + safe(p.label()) + ": " + safe(d.reason());
        }
        if (e instanceof PeerEvent.MessageReceived m) {
            return json ? Json.object(map("event", "message", "peerId", m.originId().value(), "name", m.originName(),
                    "text", m.text(), "id", m.messageId(), "hops", m.hops()))
                    : "[" + safe(m.originName()) + "] " + safe(m.text());
        }
        if (e instanceof PeerEvent.DirectReceived d) {
            return json ? Json.object(map("event", "direct", "peerId", d.fromId().value(), "name", d.fromName(),
                    "text", d.text()))
                    : "[" + safe(d.fromName()) + " -> you] " + safe(d.text());
        }
        if (e instanceof PeerEvent.InvalidMessage i) {
            return json ? Json.object(map("event", "invalid-message", "peerId", i.via().value(), "name", i.viaName(),
                    "claimedOrigin", i.claimedOrigin(), "reason", i.reason(), "forgeries", i.forgeries()))
                    : "! refused a broadcast from " + safe(i.viaName()) + " (" + i.via().shortId() + ") claiming origin "
                    + safe(i.claimedOrigin(), 16) + ": " + i.reason()
                    + (i.forgeries() > 0 ? " (" + i.forgeries() + " forged so far)" : "");
        }
        if (e instanceof PeerEvent.Error err) {
            return error(err.message());
        }
        return json ? Json.object(map("event", "unknown", "type", e.getClass().getSimpleName())) : e.toString();
    }

    String error(String message) {
        return json ? Json.object(map("event", "error", "message", message)) : "! " + message;
    }

    String info(String message) {
        return json ? Json.object(map("event", "info", "message", message)) : message;
    }

    String sent(String kind, String id, String toName, String toId, int peers) {
        if (json) {
            Map<String, Object> m = map("event", "sent", "kind", kind, "id", id);
            if (toId != null) {
                m.put("peerId", toId);
                m.put("name", toName);
            } else {
                m.put("peers", peers);
            }
            return Json.object(m);
        }
        return toId != null ? "(to " + toName + ") sent" : null;
    }

    String peers(List<PeerInfo> peers) {
        if (json) {
            return Json.object(map("event", "peers", "peers", peers.stream().map(p -> (Object) map(
                    "peerId", p.id().value(), "name", p.name(), "address", p.remote().toString(),
                    "direction", p.outbound() ? "outbound" : "inbound", "path", p.path(),
                    "refusedMessages", p.refusedMessages())).toList()));
        }
        if (peers.isEmpty()) {
            return "no peers connected";
        }
        StringBuilder sb = new StringBuilder(peers.size() + " peer(s):");
        for (PeerInfo p : peers) {
            sb.append("\n  ").append(safe(p.name())).append("  ").append(p.id()).append("  ").append(p.remote())
                    .append(p.outbound() ? "  outbound" : "  inbound").append("  ").append(p.path());
            if (p.refusedMessages() > 0) {
                sb.append("  refused messages: ").append(p.refusedMessages());
            }
        }
        return sb.toString();
    }

    static String reachability(Reachability.Status status, java.util.Optional<HostAndPort> at) {
        return switch (status) {
            case PUBLIC -> "public at " + at.map(Object::toString).orElse("?") + " (a peer dialled this node back there)";
            case PRIVATE -> "private (behind NAT or a firewall: peers could not dial this node back)";
            case UNKNOWN -> "unknown (no peer has tried to dial this node back yet)";
        };
    }

    /**
     * What {@code /relay} prints: this node's reachability, the direct addresses it advertises and
     * its relayed addresses, and what it relays for others.
     */
    String relay(Reachability.Status status, java.util.Optional<HostAndPort> verified, List<HostAndPort> advertised,
                 List<io.nexo.p2p.discovery.DialTarget> relayedAddresses, java.util.Optional<RelayStats.Snapshot> served) {
        List<String> addrs = relayedAddresses.stream().map(Object::toString).toList();
        List<String> direct = advertised.stream().map(HostAndPort::toString).toList();
        if (json) {
            Map<String, Object> m = map("event", "relay", "reachability", status.label(),
                    "verifiedAddress", verified.map(Object::toString).orElse(""), "advertised", direct,
                    "relayedAddresses", addrs, "serving", served.isPresent());
            served.ifPresent(s -> {
                m.put("reservations", s.reservations());
                m.put("circuitsOpen", s.circuitsOpen());
                m.put("reservationsGranted", s.reservationsGranted());
                m.put("circuitsSpliced", s.circuitsSpliced());
                m.put("bytesForwarded", s.bytesForwarded());
                Map<String, Object> refused = new LinkedHashMap<>();
                s.refused().forEach((k, v) -> refused.put(k.name(), v));
                m.put("refused", refused);
            });
            return Json.object(m);
        }
        StringBuilder sb = new StringBuilder("reachability: " + reachability(status, verified) + "\n")
                .append("advertised: ").append(direct.isEmpty() ? "no direct address" : String.join(", ", direct))
                .append("\n")
                .append(addrs.isEmpty() ? "no relay reservation" : "reachable through relays as: " + String.join(", ", addrs));
        served.ifPresentOrElse(s -> {
            sb.append("\nrelaying: ").append(s.reservations()).append(" reservations, ").append(s.circuitsOpen())
                    .append(" circuits open; ").append(s.circuitsSpliced()).append(" circuits and ")
                    .append(s.bytesForwarded()).append(" bytes relayed so far; refused:");
            String refused = s.refused().entrySet().stream().filter(x -> x.getValue() > 0)
                    .map(x -> " " + x.getKey().name().toLowerCase().replace('_', ' ') + " " + x.getValue())
                    .sorted().collect(java.util.stream.Collectors.joining(","));
            sb.append(refused.isEmpty() ? " none" : refused);
        }, () -> sb.append("\nnot relaying for others (--relay off)"));
        return sb.toString();
    }

    /** The connection manager's counters, after the peer list of {@code /peers}. */
    String connections(ConnectionCounts c) {
        if (json) {
            return Json.object(map("event", "connections", "inbound", c.inbound(), "outbound", c.outbound(),
                    "refusedPerIp", c.refusedPerIp(), "refusedPerSubnet", c.refusedPerSubnet(),
                    "refusedFull", c.refusedFull(), "trimmed", c.evicted()));
        }
        return "connections: " + c.inbound() + " inbound, " + c.outbound() + " outbound; refused "
                + c.refusedPerIp() + " over the per-IP cap, " + c.refusedPerSubnet() + " over the per-subnet cap, "
                + c.refusedFull() + " when full; " + c.evicted() + " inbound trimmed";
    }

    /** Network text (names, messages, file names) for a terminal: control characters escaped. */
    static String safe(String text) {
        return Printable.escape(text);
    }

    static String safe(String text, int maxChars) {
        return Printable.escape(text, maxChars);
    }

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
