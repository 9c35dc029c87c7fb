package io.nexo.cli.peer;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.plaintext.PlaintextChat;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The console of {@code nexo peer --plaintext}: the seed's raw-text chat, with the same commands. */
final class PlaintextConsole implements PlaintextChat.Listener {

    private final ConsoleIO io;
    private final EventFormat format;
    private volatile PlaintextChat chat;

    PlaintextConsole(ConsoleIO io, EventFormat format) {
        this.io = io;
        this.format = format;
    }

    void attach(PlaintextChat c) {
        this.chat = c;
    }

    @Override
    public void connected(HostAndPort peer, boolean outbound) {
        io.println(format.json() ? Json.object(EventFormat.map("event", "peer-connected", "peerId", null,
                "name", peer.toString(), "address", peer.toString(), "direction", outbound ? "outbound" : "inbound"))
                : "* connected: " + peer + " (plaintext)");
    }

    @Override
    public void disconnected(HostAndPort peer) {
        io.println(format.json() ? Json.object(EventFormat.map("event", "peer-disconnected", "peerId", null,
                "name", peer.toString(), "reason", "connection closed"))
                : "* lost connection with " + peer);
    }

    @Override
    public void line(HostAndPort peer, String text) {
        Map<String, Object> m = new LinkedHashMap<>(EventFormat.map("event", "message", "peerId", null,
                "name", peer.toString(), "text", text));
        io.println(format.json() ? Json.object(m) : "[" + peer + "] " + EventFormat.safe(text));
    }

    void run() throws IOException {
        String line;
        while ((line = io.readCommand()) != null) {
            if (line.equals("/peers")) {
                io.println(chat.peers().isEmpty() ? "no peers connected" : "peers: " + chat.peers());
            } else if (line.startsWith("/connect ")) {
                try {
                    HostAndPort target = HostAndPort.parse(line.substring(9).strip());
                    chat.connect(target).whenComplete((p, err) -> {
                        if (err != null) {
                            io.println(format.error(PeerConsole.unwrap(err)));
                        }
                    });
                } catch (IllegalArgumentException e) {
                    io.println(format.error(e.getMessage()));
                }
            } else if (line.equals("/help")) {
                io.println("plaintext mode: TEXT sends to every connected peer; /peers, /connect HOST:PORT, /quit or exit");
            } else if (line.startsWith("/")) {
                io.println(format.error(line.split("\\s+")[0] + " is not available in plaintext mode (see /help)"));
            } else if (chat.send(line) == 0) {
                io.println(format.error("nobody is connected; message not sent"));
            }
        }
    }
}
