package io.nexo.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void parsesEveryUnitAndZero() {
        assertThat(Durations.parse("t", "250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("t", "3s")).isEqualTo(Duration.ofSeconds(3));
        assertThat(Durations.parse("t", "2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("t", " 1h ")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("t", "7d")).isEqualTo(Duration.ofDays(7));
        assertThat(Durations.parse("t", "0")).isEqualTo(Duration.ZERO);
    }

    @Test
    void refusesBareNumbersAndNonsense() {
        for (String bad : new String[] {"3", "-1s", "1.5s", "s", "3 sec", ""}) {
            assertThatThrownBy(() -> Durations.parse("idle-timeout", bad))
                    .hasMessage("idle-timeout: '" + bad
                            + "' (expected: a number with a unit ms, s, m, h or d, e.g. 3s, or 0)");
        }
    }

    @Test
    void formatsTheShortestExactForm() {
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Durations.format(Duration.ofMinutes(120))).isEqualTo("2h");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0");
        assertThat(Durations.format(Duration.ofHours(48))).isEqualTo("2d");
    }

    @Test
    void formatThenParseGivesTheSameDuration() {
        for (Duration d : new Duration[] {Duration.ZERO, Duration.ofMillis(1), Duration.ofMillis(61_001),
                Duration.ofSeconds(3), Duration.ofMinutes(90), Duration.ofHours(25), Duration.ofDays(3)}) {
            assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
        }
    }

    @Test
    void withoutAKeyTheMessageQuotesTheInputAndHintsAtAMissingUnit() {
        assertThat(Durations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThatThrownBy(() -> Durations.parse("10"))
                .hasMessage("invalid duration '10' (no unit: 10s? 10ms?)"
                        + " (expected: a number with a unit ms, s, m, h or d, e.g. 3s, or 0)");
        assertThatThrownBy(() -> Durations.parse("PT3S"))
                .hasMessage("invalid duration 'PT3S' (expected: a number with a unit ms, s, m, h or d, e.g. 3s, or 0)");
    }
}
