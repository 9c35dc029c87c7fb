package io.nexo.p2p.identity;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VerifiedSignaturesTest {

    private static final ByteString KEY = ByteString.copyFromUtf8("key");
    private static final ByteString SIG = ByteString.copyFromUtf8("sig");
    private static final byte[] DOMAIN = {'d', 0};

    @Test
    void aRememberedCheckIsKnownOnlyForTheVeryBytesItCovered() {
        VerifiedSignatures memo = new VerifiedSignatures(16);
        byte[] digest = Signatures.digest(DOMAIN, new byte[] {1, 2, 3});
        ByteString k = memo.keyOf(KEY, SIG, digest);
        assertThat(memo.knownValid(k)).isFalse();
        memo.rememberValid(k);
        assertThat(memo.knownValid(memo.keyOf(KEY, SIG, digest.clone()))).isTrue();
        // any byte of content, signature, key or domain changed: a different check
        assertThat(memo.knownValid(memo.keyOf(KEY, SIG, Signatures.digest(DOMAIN, new byte[] {1, 2, 4})))).isFalse();
        assertThat(memo.knownValid(memo.keyOf(KEY, ByteString.copyFromUtf8("sih"), digest))).isFalse();
        assertThat(memo.knownValid(memo.keyOf(ByteString.copyFromUtf8("kez"), SIG, digest))).isFalse();
        assertThat(memo.knownValid(memo.keyOf(KEY, SIG, Signatures.digest(new byte[] {'e', 0}, new byte[] {1, 2, 3})))).isFalse();
        // the boundaries are length-prefixed: moving a byte from the signature into the key is another check
        assertThat(memo.knownValid(memo.keyOf(ByteString.copyFromUtf8("keys"), ByteString.copyFromUtf8("ig"), digest))).isFalse();
        assertThat(memo.hits()).isEqualTo(1);
    }

    @Test
    void oldestEntriesGoFirstBeyondTheCapacity() {
        VerifiedSignatures memo = new VerifiedSignatures(2);
        ByteString[] k = new ByteString[3];
        for (int i = 0; i < 3; i++) {
            k[i] = memo.keyOf(KEY, SIG, Signatures.digest(DOMAIN, new byte[] {(byte) i}));
            memo.rememberValid(k[i]);
        }
        assertThat(memo.size()).isEqualTo(2);
        assertThat(memo.knownValid(k[0])).isFalse();
        assertThat(memo.knownValid(k[1])).isTrue();
        assertThat(memo.knownValid(k[2])).isTrue();
    }

    @Test
    void noneRemembersNothing() {
        VerifiedSignatures none = VerifiedSignatures.none();
        ByteString k = none.keyOf(KEY, SIG, Signatures.digest(DOMAIN, new byte[] {1}));
        assertThat(k).isNull();
        none.rememberValid(k);
        assertThat(none.knownValid(k)).isFalse();
        assertThat(none.size()).isZero();
        assertThatThrownBy(() -> new VerifiedSignatures(-1)).hasMessage("capacity: -1 (expected: 0-16777216)");
    }
}
