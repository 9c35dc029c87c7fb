package io.nexo.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SafeMessageConverterTest {

    @Test
    void argumentsFromPeersCannotForgeLogLines() {
        Logger logger = new LoggerContext().getLogger("test");
        LoggingEvent e = new LoggingEvent("x", logger, Level.INFO, "connected to {}",
                null, new Object[] {"eve\n12:00:00.000 WARN  fake line\u001b[0m"});
        assertThat(new SafeMessageConverter().convert(e))
                .isEqualTo("connected to eve\\x0a12:00:00.000 WARN  fake line\\x1b[0m");
    }

    @Test
    void theShippedLogbackConfigurationUsesIt() throws Exception {
        try (var in = getClass().getResourceAsStream("/logback.xml")) {
            String xml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(xml).contains("class=\"io.nexo.cli.SafeMessageConverter\"").contains("%safemsg%n")
                    .doesNotContain("%msg");
        }
    }
}
