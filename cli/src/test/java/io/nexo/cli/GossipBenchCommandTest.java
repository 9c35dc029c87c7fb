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
}
