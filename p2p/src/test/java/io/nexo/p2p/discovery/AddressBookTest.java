package io.nexo.p2p.discovery;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class AddressBookTest {

    @Test
    void persistsAndReloads(@TempDir Path dir) throws Exception {
        PeerId a = NodeIdentity.generate().peerId();
        AddressBook book = new AddressBook(Optional.of(dir), 100);
        book.learn(a, "alice", List.of(HostAndPort.parse("10.0.0.1:5000"), HostAndPort.parse("0.0.0.0:5000")), 1234);
        book.save();
        assertThat(Files.readAllLines(dir.resolve("peers.tsv"))).contains(a + "\talice\t10.0.0.1:5000\t1234");

        AddressBook again = new AddressBook(Optional.of(dir), 100);
        assertThat(again.get(a)).hasValueSatisfying(e -> {
            assertThat(e.name()).isEqualTo("alice");
            assertThat(e.addrs()).containsExactly(HostAndPort.parse("10.0.0.1:5000")); // wildcard never kept
        });
        assertThat(again.byName("alice")).hasSize(1);
    }

    @Test
    void badLinesAreSkipped(@TempDir Path dir) throws Exception {
        PeerId a = NodeIdentity.generate().peerId();
        Files.writeString(dir.resolve("peers.tsv"), "garbage\nnot-an-id\tx\t1.2.3.4:5\t0\n" + a + "\tok\t127.0.0.1:7\t5\n");
        AddressBook book = new AddressBook(Optional.of(dir), 100);
        assertThat(book.all()).extracting(AddressBook.Entry::id).containsExactly(a);
    }

    @Test
    void failuresBackOffAndSuccessResets() {
        PeerId a = NodeIdentity.generate().peerId();
        AddressBook book = new AddressBook(Optional.empty(), 100);
        AddressBook.Entry e = book.learn(a, "a", List.of(HostAndPort.parse("127.0.0.1:1")), 0);
        assertThat(AddressBook.dialable(e, 0)).isTrue();
        book.failed(a, new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(10)), new Random(1), 1000);
        assertThat(AddressBook.dialable(e, 1000)).isFalse();
        assertThat(AddressBook.dialable(e, 1000 + 10_000)).isTrue();
        book.succeeded(a);
        assertThat(AddressBook.dialable(e, 1000)).isTrue();
    }

    @Test
    void capacityForgetsTheLeastRecentlySeen() {
        AddressBook book = new AddressBook(Optional.empty(), 16);
        PeerId oldest = NodeIdentity.generate().peerId();
        book.learn(oldest, "old", List.of(HostAndPort.parse("127.0.0.1:1")), 1);
        for (int i = 0; i < 16; i++) {
            book.learn(NodeIdentity.generate().peerId(), "n" + i, List.of(HostAndPort.parse("127.0.0.1:2")), 100 + i);
        }
        assertThat(book.size()).isEqualTo(16);
        assertThat(book.get(oldest)).isEmpty();
    }
}
