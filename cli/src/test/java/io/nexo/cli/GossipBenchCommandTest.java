package io.nexo.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Flags of {@code nexo bench gossip} refused before any node starts: exit 2 with one line. */
class GossipBenchCommandTest {

    @Test
    void anUnknownVerifyModeIsAUsageError() {
        CliRun run = CliRun.of("bench", "gossip", "--verify", "sometimes");
        assertThat(run.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).containsExactly("nexo bench gossip: --verify: sometimes (expected: per-node or shared)");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void aKillPercentOutOfRangeIsAUsageError() {
        CliRun run = CliRun.of("bench", "gossip", "--kill", "100");
        assertThat(run.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).containsExactly("nexo bench gossip: --kill: 100 (expected: 0-99)");
    }

    @Test
    void aWarmupPassRunsFirstAndIsNotInTheTableUnlessSkipped() {
        String[] small = {"bench", "gossip", "--nodes", "8", "--degree", "4", "--messages", "20", "--rate", "50",
                "--kill", "0", "--no-flood", "--verify", "shared"};
        CliRun warm = CliRun.of(small);
        assertThat(warm.exit()).isEqualTo(ExitCodes.OK);
        assertThat(warm.out()).containsOnlyOnce("== warm-up pass, not counted: plumtree");
        assertThat(warm.out().indexOf("== warm-up pass")).isLessThan(warm.out().indexOf("== plumtree"));
        assertThat(warm.out().lines().filter(l -> l.startsWith("plumtree ") || l.startsWith("warm-up")))
                .hasSize(1); // the table: the measured run alone
        assertThat(warm.out().lines().filter(l -> l.startsWith("latency tail ")))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .matches("latency tail \\(plumtree\\): p90 [0-9.]+ ms, p99\\.9 [0-9.]+ ms, [0-9.]+% of deliveries over 100 ms");

        String[] cold = java.util.Arrays.copyOf(small, small.length + 1);
        cold[small.length] = "--no-warmup-pass";
        CliRun skipped = CliRun.of(cold);
        assertThat(skipped.exit()).isEqualTo(ExitCodes.OK);
        assertThat(skipped.out()).doesNotContain("warm-up pass").contains("== plumtree");
    }
}
