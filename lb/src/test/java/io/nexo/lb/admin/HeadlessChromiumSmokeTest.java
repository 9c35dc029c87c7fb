package io.nexo.lb.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HeadlessChromiumSmokeTest {
    @Test
    void opensADataUrl() throws Exception {
        try (HeadlessChromium chromium = HeadlessChromium.start()) {
            chromium.driver.get("data:text/html,<title>hi</title><p id=x>42</p>");
            assertThat(chromium.driver.getTitle()).isEqualTo("hi");
        }
    }
}
