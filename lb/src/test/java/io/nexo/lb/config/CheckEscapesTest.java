package io.nexo.lb.config;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckEscapesTest {

    @Test
    void decodesEveryEscape() {
        assertThat(CheckEscapes.decode("send", "a\\r\\n\\t\\0\\\\\\x7f\\xFFz"))
                .containsExactly('a', '\r', '\n', '\t', 0, '\\', 0x7f, (byte) 0xff, 'z');
    }

    @Test
    void sendsOtherCharactersAsUtf8() {
        assertThat(CheckEscapes.decode("send", "é€😀")).isEqualTo("é€😀".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void displayEscapesWhatIsNotPrintableSoDecodeReadsItBack() {
        byte[] bytes = {'+', 'O', 'K', '\r', '\n', 0, (byte) 0xc3, '\\'};
        String shown = CheckEscapes.display(bytes);
        assertThat(shown).isEqualTo("+OK\\r\\n\\x00\\xc3\\\\");
        assertThat(CheckEscapes.decode("expect", shown)).isEqualTo(bytes);
    }

    @Test
    void refusesUnknownAndCutEscapes() {
        assertThatThrownBy(() -> CheckEscapes.decode("send", "a\\q"))
                .hasMessage("send: 'a\\q': unknown escape \\q (expected: \\r, \\n, \\t, \\0, \\\\ or \\xHH)");
        assertThatThrownBy(() -> CheckEscapes.decode("send", "a\\x4"))
                .hasMessage("send: 'a\\x4': \\x needs two hex digits (expected: e.g. \\x0d)");
        assertThatThrownBy(() -> CheckEscapes.decode("expect", "a\\"))
                .hasMessageStartingWith("expect: 'a\\' ends with a lone \\");
    }
}
