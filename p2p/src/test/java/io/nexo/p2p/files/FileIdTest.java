package io.nexo.p2p.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class FileIdTest {

    private static final String HEX = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @Test
    void parsesSixtyFourHexDigitsInEitherCase() {
        assertThat(FileId.parse(HEX).hex()).isEqualTo(HEX);
        assertThat(FileId.parse(" " + HEX.toUpperCase() + "\n")).isEqualTo(FileId.parse(HEX));
        assertThat(FileId.parse(HEX).shortForm()).isEqualTo("0123456789ab");
    }

    @Test
    void roundTripsRawBytes() {
        byte[] raw = new byte[32];
        raw[0] = (byte) 0xff;
        raw[31] = 1;
        FileId id = FileId.of(raw);
        assertThat(id.hex()).startsWith("ff").endsWith("01");
        assertThat(id.bytes()).isEqualTo(raw);
        assertThatThrownBy(() -> FileId.of(new byte[31])).hasMessageContaining("31 bytes (expected: 32)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", HEX + "0", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
        "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "0x23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "0123456789abcdef0123456789abcdef 123456789abcdef0123456789abcdef",
        "../../etc/passwd", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\u0000f"})
    void rejectsAnythingElse(String hostile) {
        assertThatThrownBy(() -> FileId.parse(hostile))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: 64 hex digits")
                .hasMessageNotContaining("\u0000");
    }

    @Test
    void quotesHugeInputShortly() {
        String huge = "a".repeat(100_000);
        assertThatThrownBy(() -> FileId.parse(huge)).hasMessageContaining("(100000 chars)")
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(300));
    }

    @Test
    void constructorAcceptsOnlyCanonicalForm() {
        assertThatThrownBy(() -> new FileId(HEX.toUpperCase())).hasMessageContaining("lower-case");
    }
}
