package io.nexo.p2p.testing;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.node.PeerEvent;
import io.nexo.p2p.node.PeerInfo;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A nexo node as a process on a {@link NatLab} host, {@code NAME RELAY} (the relay as
 * {@code PEERID@HOST:PORT}, which it joins), driven line by line on stdin. Nothing is given to it
 * about addresses: it learns it is private and where it is seen from AutoNAT, reserves on the
 * relay, and hole-punches relayed sessions with the observed addresses by itself.
 * <ul>
 *   <li>{@code new}: closes the current node, starts a new one (new identity) on 0.0.0.0 and an
 *       ephemeral port; prints {@code ready PEER_ID PORT}, then {@code reachability STATUS} and
 *       {@code relayed ADDRESS} as they come (the private verdict takes the relay's 10 s connect
 *       timeout: its dial-back into the NAT is dropped; the answer carries the observed address).</li>
 *   <li>{@code stop}: closes the current node; prints {@code stopped}.</li>
 *   <li>{@code connect TARGET}: prints {@code connect-ok PEER_ID direct|relayed} or {@code connect-failed WHY}.</li>
 *   <li>{@code status PEER_ID}: prints {@code status punched=true|false path=direct|relayed}
 *       (empty when not connected).</li>
 *   <li>{@code punch PEER_ID}: joins (or starts) the hole punch with that peer; prints
 *       {@code punch true|false MILLIS} when it ends.</li>
 *   <li>{@code msg PEER_ID TEXT}: a direct message; a received one prints {@code direct NAME: TEXT}.</li>
 * </ul>
 */
public final class HolePunchNodeMain {
    private static final PrintStream OUT = System.out;

    private HolePunchNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        DialTarget relay = DialTarget.parse(args[1]);
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PeerNode node = null;
        try {
            String line;
            while ((line = stdin.readLine()) != null) {
                String[] w = line.split(" ", 3);
                switch (w[0]) {
                    case "stop" -> {
                        if (node != null) {
                            node.close();
                            node = null;
                        }
                        print("stopped");
                    }
                    case "new" -> {
                        if (node != null) {
                            node.close();
                        }
                        node = new PeerNode(PeerNodeConfig.of(NodeIdentity.generate(), name,
                                new HostAndPort("0.0.0.0", 0)).withBootstrap(List.of(relay)),
                                HolePunchNodeMain::print);
                        HostAndPort listen = node.start();
                        print("ready " + node.peerId().value() + " " + listen.port());
                    }
                    case "connect" -> node.connect(DialTarget.parse(w[1])).whenComplete((p, err) ->
                            print(err != null ? "connect-failed " + err.getMessage() : "connect-ok " + p.id() + " " + p.path()));
                    case "status" -> {
                        PeerId peer = PeerId.parse(w[1]);
                        print("status punched=" + node.isHolePunched(peer) + " path=" + node.peers().stream()
                                .filter(p -> p.id().equals(peer)).map(PeerInfo::path).collect(Collectors.joining(",")));
                    }
                    case "punch" -> {
                        long start = System.nanoTime();
                        node.holePunch(PeerId.parse(w[1])).whenComplete((ok, err) -> print("punch "
                                + (err == null && ok) + " " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)));
                    }
                    case "msg" -> node.sendDirect(w[1], w[2]).get(10, TimeUnit.SECONDS);
                    default -> print("unknown command " + w[0]);
                }
            }
        } finally {
            if (node != null) {
                node.close();
            }
        }
    }

    private static void print(PeerEvent e) {
        if (e instanceof PeerEvent.DirectReceived d) {
            print("direct " + d.fromName() + ": " + d.text());
        } else if (e instanceof PeerEvent.ReachabilityChanged r) {
            print("reachability " + r.status().label() + r.address().map(a -> " " + a).orElse(""));
        } else if (e instanceof PeerEvent.RelayChanged r && r.reserved()) {
            print("relayed " + r.address());
        } else if (e instanceof PeerEvent.PeerConnected c) {
            PeerInfo p = c.peer();
            print("connected " + p.id() + " " + p.path());
        }
    }

    private static synchronized void print(String line) {
        OUT.println(line);
        OUT.flush();
    }
}
