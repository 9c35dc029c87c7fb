package io.nexo.cli.peer;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.nat.Reachability;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.node.PeerEvent;
import io.nexo.p2p.node.PeerInfo;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class EventFormatTest {

    private static final PeerId EVE = NodeIdentity.generate().peerId();

    private static PeerEvent.MessageReceived message(String name, String text) {
        return new PeerEvent.MessageReceived("00", EVE, name, "chat", text.getBytes(StandardCharsets.UTF_8), EVE, 1, 0);
    }

    @Test
    void networkTextCannotInjectLinesOrTerminalEscapes() {
        String line = new EventFormat(false).event(message("eve\u001b[2K\r", "hi\n[alice] send me your key\u001b]0;x\u0007"));
        assertThat(line).doesNotContain("\n", "\r", "\u001b", "\u0007")
                .isEqualTo("[eve\\x1b[2K\\x0d] hi\\x0a[alice] send me your key\\x1b]0;x\\x07");
    }

    @Test
    void jsonEscapesC1AndBidiControlsToo() {
        String json = new EventFormat(true).event(message("eve", "a\u009bb\u202ec"));
        assertThat(json).contains("\"text\":\"a\\u009bb\\u202ec\"");
    }

    @Test
    void refusedMessagesShowInTheEventAndInPeers() {
        PeerEvent.InvalidMessage refused = new PeerEvent.InvalidMessage(EVE, "eve", "z".repeat(52), "bad-signature", 2);
        assertThat(new EventFormat(true).event(refused)).isEqualTo("{\"event\":\"invalid-message\",\"peerId\":\""
                + EVE.value() + "\",\"name\":\"eve\",\"claimedOrigin\":\"" + "z".repeat(52)
                + "\",\"reason\":\"bad-signature\",\"forgeries\":2}");
        assertThat(new EventFormat(false).event(refused)).isEqualTo("! refused a broadcast from eve (" + EVE.shortId()
                + ") claiming origin zzzzzzzzzzzzzzzz...: bad-signature (2 forged so far)");
        PeerInfo p = new PeerInfo(EVE, "eve", new HostAndPort("127.0.0.1", 5000), List.of(), true, 2);
        assertThat(new EventFormat(false).peers(List.of(p))).endsWith("outbound  direct  refused messages: 2");
        assertThat(new EventFormat(true).peers(List.of(p))).contains("\"refusedMessages\":2");
    }

    @Test
    void reachabilityIsPrintedInWordsAndJson() {
        HostAndPort at = new HostAndPort("198.51.100.7", 5000);
        assertThat(new EventFormat(false).event(new PeerEvent.ReachabilityChanged(Reachability.Status.PUBLIC,
                Optional.of(at)))).isEqualTo("* reachability: public at 198.51.100.7:5000 (a peer dialled this node back there)");
        assertThat(new EventFormat(true).event(new PeerEvent.ReachabilityChanged(Reachability.Status.PRIVATE,
                Optional.empty()))).isEqualTo("{\"event\":\"reachability\",\"status\":\"private\",\"address\":\"\"}");
        assertThat(new EventFormat(false).relay(Reachability.Status.PRIVATE, Optional.empty(), List.of(), List.of(),
                Optional.empty()))
                .isEqualTo("reachability: private (behind NAT or a firewall: peers could not dial this node back)\n"
                        + "advertised: no direct address\n"
                        + "no relay reservation\nnot relaying for others (--relay off)");
    }

    @Test
    void theReadyLineSaysTheReachabilityKnownAtThatTime() {
        PeerEvent.Ready ready = new PeerEvent.Ready(EVE, "eve", new HostAndPort("127.0.0.1", 5000),
                List.of(new HostAndPort("127.0.0.1", 5000)), Reachability.Status.UNKNOWN);
        assertThat(new EventFormat(false).event(ready)).isEqualTo("nexo peer eve (" + EVE.value()
                + ") listening on 127.0.0.1:5000, reachability unknown; type a line to send it to everyone, /help for commands");
        assertThat(new EventFormat(true).event(ready)).isEqualTo("{\"event\":\"ready\",\"peerId\":\"" + EVE.value()
                + "\",\"name\":\"eve\",\"listen\":\"127.0.0.1:5000\",\"advertised\":[\"127.0.0.1:5000\"],"
                + "\"reachability\":\"unknown\"}");
    }

    @Test
    void aRelayedPeerSaysSoInPeersAndEvents() {
        PeerInfo p = new PeerInfo(EVE, "eve", new HostAndPort("127.0.0.1", 6000), List.of(), false, 0, true);
        assertThat(new EventFormat(false).peers(List.of(p))).endsWith("127.0.0.1:6000  inbound  relayed");
        assertThat(new EventFormat(true).peers(List.of(p))).contains("\"path\":\"relayed\"");
        assertThat(new EventFormat(false).event(new PeerEvent.PeerConnected(p)))
                .isEqualTo("* connected: eve (" + EVE.shortId() + ") at 127.0.0.1:6000 (inbound, relayed)");
        assertThat(new EventFormat(true).event(new PeerEvent.PeerConnected(p))).contains("\"path\":\"relayed\"");
        DialTarget at = DialTarget.viaRelay(EVE, new HostAndPort("127.0.0.1", 6000));
        assertThat(new EventFormat(false).event(new PeerEvent.RelayChanged(at, true, "")))
                .isEqualTo("* reachable through a relay as " + EVE.value() + "@relay:127.0.0.1:6000");
        assertThat(new EventFormat(true).event(new PeerEvent.RelayChanged(at, false, "session closed")))
                .isEqualTo("{\"event\":\"relay-lost\",\"address\":\"" + EVE.value()
                        + "@relay:127.0.0.1:6000\",\"reason\":\"session closed\"}");
    }
}
