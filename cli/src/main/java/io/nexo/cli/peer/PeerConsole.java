package io.nexo.cli.peer;

import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.gossip.GossipRouter;
import io.nexo.p2p.node.PeerEvent;
import io.nexo.p2p.node.PeerListener;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.relay.RelayService;

import java.io.IOException;
import java.util.concurrent.CompletionException;

/**
 * The interactive side of {@code nexo peer}: reads lines (chat or commands), prints node events.
 * A plain line is broadcast to the whole network; commands start with '/'.
 */
final class PeerConsole implements PeerListener {

    static final String HELP = String.join("\n",
            "commands:",
            "  TEXT                         send TEXT to every node of the network",
            "  /msg NAME-or-PEERID TEXT     send TEXT to one node only (dials it if needed)",
            "  /peers                       list connected peers",
            "  /connect HOST:PORT           dial a peer (PEERID@HOST:PORT pins its identity,"
                    + " PEERID@relay:HOST:PORT goes through that relay)",
            "  /relay                       reachability (public/private), advertised and relayed addresses, what it relays",
            FileConsole.HELP,
            "  /help                        this list",
            "  /quit or exit                leave the network and stop");

    private final ConsoleIO io;
    private final EventFormat format;
    private volatile PeerNode node;
    private volatile FileConsole files;

    PeerConsole(ConsoleIO io, EventFormat format) {
        this.io = io;
        this.format = format;
    }

    void attach(PeerNode n) {
        this.node = n;
    }

    /** Adds the file commands (/share, /files, /get, /downloads, /cancel). */
    void attachFiles(FileConsole f) {
        this.files = f;
    }

    @Override
    public void onEvent(PeerEvent event) {
        io.println(format.event(event));
    }

    /** Reads commands until /quit, exit or end of input. */
    void run() throws IOException {
        String line;
        while ((line = io.readCommand()) != null) {
            handle(line);
        }
    }

    void handle(String line) {
        if (!line.startsWith("/")) {
            if (node.peers().isEmpty()) {
                io.println(format.error("nobody is connected; message not sent"));
                return;
            }
            int peers = node.peers().size();
            String id;
            try {
                id = node.broadcast(line);
            } catch (GossipRouter.MessageTooLargeException e) {
                io.println(format.error(e.getMessage()));
                return;
            }
            print(format.sent("broadcast", id, null, null, peers));
            return;
        }
        String[] parts = line.split("\\s+", 3);
        switch (parts[0]) {
            case "/help" -> io.println(format.json() ? format.info(HELP) : HELP);
            case "/peers" -> {
                io.println(format.peers(node.peers()));
                io.println(format.connections(node.connectionCounts()));
            }
            case "/relay" -> io.println(format.relay(node.reachability(), node.verifiedAddress(), node.advertisedAddresses(),
                    node.relayedAddresses(),
                    node.relay().map(RelayService::stats)));
            case "/limits" -> {
                io.println(LimitsFormat.format(format.json(), node.sessionMetrics(),
                        node.resources().stats(), node.gossipStats()));
                if (files != null) {
                    files.handle(line); // then the file exchange's own limits
                }
            }
            case "/connect" -> {
                if (parts.length < 2) {
                    io.println(format.error("usage: /connect HOST:PORT or /connect PEERID@HOST:PORT"));
                    return;
                }
                DialTarget target;
                try {
                    target = DialTarget.parse(parts[1]);
                } catch (IllegalArgumentException e) {
                    io.println(format.error(e.getMessage()));
                    return;
                }
                node.connect(target).whenComplete((info, err) -> {
                    if (err != null) {
                        io.println(format.error(unwrap(err)));
                    }
                });
            }
            case "/msg" -> {
                if (parts.length < 3) {
                    io.println(format.error("usage: /msg NAME-or-PEERID TEXT"));
                    return;
                }
                node.sendDirect(parts[1], parts[2]).whenComplete((info, err) -> {
                    if (err != null) {
                        io.println(format.error(unwrap(err)));
                    } else {
                        print(format.sent("direct", null, info.name(), info.id().value(), 1));
                    }
                });
            }
            default -> {
                if (files == null || !files.handle(line)) {
                    io.println(format.error("unknown command " + parts[0] + " (see /help)"));
                }
            }
        }
    }

    private void print(String line) {
        if (line != null) {
            io.println(line);
        }
    }

    static String unwrap(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return c.getMessage() != null ? c.getMessage() : c.toString();
    }
}
