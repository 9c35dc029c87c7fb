package io.nexo.core.text;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PrintableTest {

    @Test
    void plainTextIsUnchanged() {
        String s = "héllo wörld, 你好 [alice] 100%";
        assertThat(Printable.escape(s)).isSameAs(s);
        assertThat(Printable.isSafe(s)).isTrue();
    }

    @Test
    void ansiEscapesAndNewlinesAreWrittenOut() {
        assertThat(Printable.escape("hi\u001b[2J\u001b[31mred\r\nbob: fake line"))
                .isEqualTo("hi\\x1b[2J\\x1b[31mred\\x0d\\x0abob: fake line");
        assertThat(Printable.escape("a\tb\u007fc\u009bd")).isEqualTo("a\\x09b\\x7fc\\x9bd");
        assertThat(Printable.isSafe("x\ny")).isFalse();
    }

    @Test
    void bidiOverridesAndLineSeparatorsAreWrittenOut() {
        assertThat(Printable.escape("invoice\u202Efdp.exe")).isEqualTo("invoice\\u202efdp.exe");
        assertThat(Printable.escape("a\u2028b\u2066c")).isEqualTo("a\\u2028b\\u2066c");
    }

    @Test
    void longTextIsCut() {
        assertThat(Printable.escape("abcdef", 3)).isEqualTo("abc...");
        assertThat(Printable.escape("\n\n\n\n", 2)).isEqualTo("\\x0a\\x0a...");
        assertThat(Printable.escape(null)).isEmpty();
    }
}
