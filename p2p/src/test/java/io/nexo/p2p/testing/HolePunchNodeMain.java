package io.nexo.p2p.testing;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.node.PeerEvent;
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
 * A nexo node as a process on a {@link NatLab} host, driven line by line on stdin (the test is the
 * coordinator of the punch until a relay carries CONNECT and SYNC between NATed nodes):
 * <ul>
 *   <li>{@code new}: closes the current node, starts a new one (new identity) on 0.0.0.0 and an
 *       ephemeral port; prints {@code ready PEER_ID PORT}.</li>
 *   <li>{@code punch PEER_ID IP:PORT}: dials that address from the listening port now (the other
 *       side does the same); prints {@code punch true|false MILLIS direct=true|false peers=IDS}.</li>
 *   <li>{@code msg PEER_ID TEXT}: a direct message; a received one prints {@code direct NAME: TEXT}.</li>
 * </ul>
 */
public final class HolePunchNodeMain {
    private static final PrintStream OUT = System.out;

    private HolePunchNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PeerNode node = null;
        try {
            String line;
            while ((line = stdin.readLine()) != null) {
                String[] w = line.split(" ", 3);
                switch (w[0]) {
                    case "new" -> {
                        if (node != null) {
                            node.close();
                        }
                        node = new PeerNode(PeerNodeConfig.of(NodeIdentity.generate(), name,
                                new HostAndPort("0.0.0.0", 0)), HolePunchNodeMain::print);
                        HostAndPort listen = node.start();
                        print("ready " + node.peerId().value() + " " + listen.port());
                    }
                    case "punch" -> {
                        PeerId peer = PeerId.parse(w[1]);
                        long start = System.nanoTime();
                        boolean ok = node.holePunch(peer).get(30, TimeUnit.SECONDS);
                        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                        print("punch " + ok + " " + millis + " direct=" + node.isHolePunched(peer) + " peers="
                                + node.peers().stream().map(p -> p.id().value()).collect(Collectors.joining(",")));
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
        }
    }

    private static synchronized void print(String line) {
        OUT.println(line);
        OUT.flush();
    }
}
