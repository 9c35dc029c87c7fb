package io.nexo.cli.peer;

import io.nexo.p2p.gossip.GossipRouter;
import io.nexo.p2p.resource.ResourceManager;
import io.nexo.p2p.session.SessionMetrics;
import io.nexo.p2p.wire.WireViolation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@code /limits} prints: how often each bound and limit of the node triggered (the counters
 * behind the log lines), and what its resources hold now. For people, or one JSON object.
 */
final class LimitsFormat {

    private LimitsFormat() {
    }

    static String format(boolean json, SessionMetrics s, ResourceManager.Stats r, GossipRouter.Stats g) {
        Map<String, Long> violations = new LinkedHashMap<>();
        for (WireViolation v : WireViolation.values()) {
            if (s.violations(v) > 0) {
                violations.put(v.name(), s.violations(v));
            }
        }
        Map<String, Long> refusals = new LinkedHashMap<>();
        for (ResourceManager.Refusal x : ResourceManager.Refusal.values()) {
            if (r.refused(x) > 0) {
                refusals.put(x.name(), r.refused(x));
            }
        }
        if (json) {
            return Json.object(EventFormat.map("event", "limits", "refusedAtDecode", violations,
                    "oversizedFrames", s.oversizedFrames(), "malformedFrames", s.malformedFrames(),
                    "oversizedNotSent", s.oversizedOutgoing(), "rateDropped", s.rateDropped(),
                    "floodDisconnects", s.floodDisconnects(), "queueOverflows", s.queueOverflows(),
                    "pendingBytes", r.pendingBytes(), "outboundBytes", r.outboundBytes(),
                    "resourceRefusals", refusals, "ihaveIgnored", g.ihaveIgnored(), "ihaveDropped", g.ihaveDropped(),
                    "cachedBytes", g.cachedBytes(), "oversizedNotRelayed", g.oversizedNotRelayed(),
                    "signatureRefused", g.rejected()));
        }
        return String.join("\n",
                "refused at decode: " + list(violations),
                "frames: " + s.oversizedFrames() + " over the limit, " + s.malformedFrames() + " malformed; "
                        + s.oversizedOutgoing() + " not sent (over the limit)",
                "rates: " + s.rateDropped() + " messages dropped; sessions closed: " + s.floodDisconnects()
                        + " flooding, " + s.queueOverflows() + " not reading",
                "resources: " + r.pendingBytes() + " bytes pending, " + r.outboundBytes() + " bytes queued out; refused: "
                        + list(refusals),
                "gossip: " + g.ihaveIgnored() + " announced ids ignored, " + g.ihaveDropped() + " not announced, "
                        + g.cachedBytes() + " bytes cached, " + g.oversizedNotRelayed() + " too large to relay, "
                        + g.rejected() + " refused by the signature checks");
    }

    private static String list(Map<String, Long> counts) {
        return counts.isEmpty() ? "none" : counts.entrySet().stream()
                .map(e -> e.getKey().toLowerCase().replace('_', ' ') + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
