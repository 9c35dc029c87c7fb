package io.nexo.p2p.identity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeIdentityTest {

    @Test
    void createdOnFirstStartAndKeptAcrossRestarts(@TempDir Path dir) throws Exception {
        NodeIdentity first = NodeIdentity.loadOrCreate(dir);
        NodeIdentity second = NodeIdentity.loadOrCreate(dir);
        assertThat(second.peerId()).isEqualTo(first.peerId());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("identity.key"))))
                .isEqualTo("rw-------");
        assertThat(NodeIdentity.loadOrCreate(dir.resolve("other")).peerId()).isNotEqualTo(first.peerId());
    }

    @Test
    void aNewDataDirIsOwnerOnly(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("home/.nexo");
        NodeIdentity.loadOrCreate(data);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
        assertThat(Files.readString(data.resolve("identity.key"))).contains("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void theKeyIsNeverWrittenThroughALinkPlantedAtItsTemporaryName(@TempDir Path dir) throws Exception {
        Path outside = dir.resolve("outside.txt");
        Path data = Files.createDirectory(dir.resolve("data"));
        Files.createSymbolicLink(data.resolve("identity.key.tmp"), outside);
        NodeIdentity id = NodeIdentity.loadOrCreate(data);
        assertThat(outside).doesNotExist();
        Path key = data.resolve("identity.key");
        assertThat(Files.isSymbolicLink(key)).isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(NodeIdentity.loadOrCreate(data).peerId()).isEqualTo(id.peerId());
    }

    @Test
    void peerIdIsBase32OfTheSha256OfThePublicKey() throws Exception {
        NodeIdentity id = NodeIdentity.generate();
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.publicKey().getEncoded());
        assertThat(id.peerId().value()).hasSize(52).isEqualTo(PeerId.base32(digest));
        assertThat(PeerId.of(id.certificate().getPublicKey())).isEqualTo(id.peerId());
        assertThat(id.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=" + id.peerId());
        id.certificate().verify(id.publicKey()); // self-signed
    }

    @Test
    void base32MatchesRfc4648Vectors() {
        assertThat(PeerId.base32("foobar".getBytes())).isEqualTo("mzxw6ytboi");
        assertThat(PeerId.base32("f".getBytes())).isEqualTo("my");
    }

    @Test
    void parsingRejectsWhatIsNotAPeerId() {
        assertThatThrownBy(() -> PeerId.parse("abc")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid peer id 'abc'");
        assertThat(PeerId.parse(" " + NodeIdentity.generate().peerId().value().toUpperCase() + " ").value()).hasSize(52);
    }

    @Test
    void anIdIsFiftyTwoCharactersOfLowercaseLettersAndTwoToSeven() {
        String good = "a".repeat(26) + "z".repeat(20) + "234567";
        assertThat(new PeerId(good).value()).isEqualTo(good);
        assertThat(PeerId.looksLikePeerId(" " + good.toUpperCase() + " ")).isTrue();
        // the characters just outside the alphabet, at the first and the last position
        for (char c : new char[] {'0', '1', '8', '9', '`', '{', 'A', '=', ' '}) {
            for (String bad : List.of(c + good.substring(1), good.substring(0, 51) + c)) {
                assertThatThrownBy(() -> new PeerId(bad)).as("'%s'", bad).isInstanceOf(IllegalArgumentException.class);
                assertThat(PeerId.looksLikePeerId(bad)).as("'%s'", bad).isEqualTo(c == 'A'); // case is forgiven, blanks are trimmed
            }
        }
        assertThat(PeerId.looksLikePeerId(good.substring(1))).isFalse();
        assertThat(PeerId.looksLikePeerId(good + "a")).isFalse();
    }
}
