package io.nexo.cli.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class FileDemoTest {

    @Test
    void carolFetchesAlicesFileThroughTheNetworkAndTheSumsMatch() throws Exception {
        StringWriter text = new StringWriter();
        int exit = new FileDemo(new PrintWriter(text, true)).run();
        String out = text.toString();
        assertThat(exit).as(out).isZero();
        // 8 MiB + 4321 bytes: eight full chunks and a short one, and the figures say so
        assertThat(out).contains("alice  shares holiday-video.mp4 (8392929 bytes, 8.0 MiB; 9 chunks: 8 of 1.0 MiB"
                        + " and one of 4321 bytes), id ",
                "carol  /files: holiday-video.mp4, 8.0 MiB, 1 peer, learned through bob",
                "identical: every chunk was verified on arrival and the root hash of the chunks against the id");
        String got = out.replaceAll("(?s).*carol  got holiday-video\\.mp4: SHA-256 ([0-9a-f]{16}).*", "$1");
        String has = out.replaceAll("(?s).*alice  has          SHA-256 ([0-9a-f]{16}).*", "$1");
        assertThat(got).hasSize(16).isEqualTo(has);
    }
}
