package io.nexo.cli.peer;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class PeerDemoTest {

    @Test
    void threePeersShowWhoReceivedWhat() throws Exception {
        StringWriter text = new StringWriter();
        int exit = new PeerDemo(new PrintWriter(text, true)).run();
        String out = text.toString();
        assertThat(exit).as(out).isZero();
        assertThat(out).contains(
                "alice broadcasts \"hello everyone, alice here\"",
                "  bob    broadcast from alice (1 hop): \"hello everyone, alice here\"",
                "  carol  broadcast from alice (2 hops): \"hello everyone, alice here\"",
                "  alice  direct from carol: \"hi alice, carol here (just for you)\"",
                "bob broadcasts \"that's all\"",
                "each node got each broadcast once; only alice got carol's direct message");
        // nobody but alice got the direct message, and alice never got her own broadcast
        assertThat(out.lines().filter(l -> l.contains("direct from"))).hasSize(1);
        assertThat(out.lines().filter(l -> l.contains("broadcast from alice"))).hasSize(2);
        assertThat(out.lines().filter(l -> l.contains("broadcast from bob"))).hasSize(2);
    }
}
