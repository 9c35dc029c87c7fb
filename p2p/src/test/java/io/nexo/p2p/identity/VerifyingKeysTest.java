package io.nexo.p2p.identity;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VerifyingKeysTest {

    private static final List<ByteString> ENCODED = new ArrayList<>();

    static {
        for (int i = 0; i < 8; i++) {
            ENCODED.add(ByteString.copyFrom(NodeIdentity.generate().publicKey().getEncoded()));
        }
    }

    @Test
    void aKeyIsParsedOnceAndFoundByItsEncoding() {
        VerifyingKeys keys = new VerifyingKeys(4, 2);
        VerifyingKey first = keys.get(ENCODED.get(0)).orElseThrow();
        // another ByteString instance with the same bytes finds the same parsed key
        assertThat(keys.get(ByteString.copyFrom(ENCODED.get(0).toByteArray())).orElseThrow()).isSameAs(first);
        assertThat(keys.parsed()).isEqualTo(1);
        assertThat(keys.hits()).isEqualTo(1);
        assertThat(first.peer()).isEqualTo(PeerId.ofEncodedKey(ENCODED.get(0).toByteArray()));
    }

    @Test
    void garbageIsNotAKeyAndIsNotHeld() {
        VerifyingKeys keys = new VerifyingKeys(4, 2);
        assertThat(keys.get(ByteString.copyFromUtf8("not a key"))).isEmpty();
        assertThat(keys.size()).isZero();
        assertThat(keys.parsed()).isZero();
    }

    @Test
    void keysSeenOnceCannotPushOutKeysInUse() {
        VerifyingKeys keys = new VerifyingKeys(2, 2);
        ByteString a = ENCODED.get(0);
        ByteString b = ENCODED.get(1);
        VerifyingKey ka = keys.get(a).orElseThrow();
        VerifyingKey kb = keys.get(b).orElseThrow();
        keys.get(a);
        keys.get(b); // second uses: both protected
        assertThat(keys.isProtected(a)).isTrue();
        assertThat(keys.isProtected(b)).isTrue();
        // a stranger's flood of one-shot keys churns the probation segment only
        for (int i = 2; i < 8; i++) {
            keys.get(ENCODED.get(i));
        }
        assertThat(keys.size()).isEqualTo(4);
        assertThat(keys.get(a).orElseThrow()).isSameAs(ka);
        assertThat(keys.get(b).orElseThrow()).isSameAs(kb);
        assertThat(keys.parsed()).isEqualTo(8);
    }

    @Test
    void theLeastRecentlyUsedProtectedKeyGoesBackToProbationThenOut() {
        VerifyingKeys keys = new VerifyingKeys(2, 1);
        for (int i = 0; i < 3; i++) {
            keys.get(ENCODED.get(i));
            keys.get(ENCODED.get(i)); // protected: 0 then 0,1 then 1,2 with 0 demoted to probation
        }
        assertThat(keys.isProtected(ENCODED.get(0))).isFalse();
        assertThat(keys.isProtected(ENCODED.get(1))).isTrue();
        assertThat(keys.isProtected(ENCODED.get(2))).isTrue();
        assertThat(keys.size()).isEqualTo(3);
        keys.get(ENCODED.get(3)); // a new key takes probation's one place: 0 is forgotten
        assertThat(keys.size()).isEqualTo(3);
        long parsed = keys.parsed();
        keys.get(ENCODED.get(0));
        assertThat(keys.parsed()).isEqualTo(parsed + 1);
    }

    @Test
    void capacitiesAreValidated() {
        assertThatThrownBy(() -> new VerifyingKeys(0, 1)).hasMessage("protectedCapacity: 0 (expected: 1-1048576)");
        assertThatThrownBy(() -> new VerifyingKeys(1, 0)).hasMessage("probationCapacity: 0 (expected: 1-1048576)");
    }
}
