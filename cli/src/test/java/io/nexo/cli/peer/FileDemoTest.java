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
        assertThat(out).contains("alice  shares holiday-video.mp4 (8.0 MiB, 9 chunks of 1 MiB), id ",
                "carol  /files: holiday-video.mp4, 8.0 MiB, 1 peer, learned through bob",
                "identical: the file was verified chunk by chunk and as a whole");
        String got = out.replaceAll("(?s).*carol  got holiday-video\\.mp4: SHA-256 ([0-9a-f]{16}).*", "$1");
        String has = out.replaceAll("(?s).*alice  has          SHA-256 ([0-9a-f]{16}).*", "$1");
        assertThat(got).hasSize(16).isEqualTo(has);
    }
}
