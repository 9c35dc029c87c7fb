package io.nexo.bench.latency;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class LoadGenMainTest {

    private static String[] run(String... args) throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LoadGenMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void parsesEveryOption() {
        LoadSpec s = LoadGenMain.parse(new String[] {"--rate", "1500", "--connections", "8", "--mode", "newconn",
                "--warmup", "0.5", "--duration", "2", "--drain", "1", "http://[::1]:8080/x"});
        assertThat(s.mode()).isEqualTo(LoadSpec.Mode.NEWCONN);
        assertThat(s.host()).isEqualTo("::1");
        assertThat(s.port()).isEqualTo(8080);
        assertThat(s.path()).isEqualTo("/x");
        assertThat(s.rate()).isEqualTo(1500);
        assertThat(s.totalRequests()).isEqualTo(3750);
        assertThat(s.warmupRequests()).isEqualTo(750);
    }

    @Test
    void badInputExitsTwoWithOneLine() throws InterruptedException {
        String[][] cases = {
                {"http://127.0.0.1:1/"},
                {"--rate", "0", "http://127.0.0.1:1/"},
                {"--rate", "x", "http://127.0.0.1:1/"},
                {"--rate", "10", "--mode", "pipeline", "http://127.0.0.1:1/"},
                {"--rate", "10", "--connections", "0", "http://127.0.0.1:1/"},
                {"--rate", "10", "https://127.0.0.1:1/"},
                {"--rate", "10", "http://127.0.0.1/"},
                {"--rate", "10", "--bogus", "1", "http://127.0.0.1:1/"},
                {"--rate"},
        };
        for (String[] args : cases) {
            String[] r = run(args);
            assertThat(r[0]).as(String.join(" ", args)).isEqualTo("2");
            assertThat(r[2]).as(String.join(" ", args)).startsWith("loadgen: ").hasLineCount(1);
        }
        assertThat(run("--rate", "0", "http://127.0.0.1:1/")[2]).contains("rate: 0 (expected: 1-2000000)");
    }

    @Test
    void helpPrintsUsage() throws InterruptedException {
        String[] r = run("--help");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1]).contains("--rate N").contains("--mode M").contains("coordinated omission");
    }
}
