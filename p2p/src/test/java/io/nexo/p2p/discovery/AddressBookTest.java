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
    void aPeerReachableOnlyThroughRelaysIsKeptDialledThroughThemAndReloaded(@TempDir Path dir) {
        PeerId a = NodeIdentity.generate().peerId();
        HostAndPort relay = HostAndPort.parse("198.51.100.7:4001");
        AddressBook book = new AddressBook(Optional.of(dir), 100);
        book.learn(a, "alice", List.of(HostAndPort.parse("10.0.0.1:5000")), 0);
        // her newer record: behind NAT now, reachable through one relay only
        book.replace(a, "alice", List.of(), List.of(relay, HostAndPort.parse("0.0.0.0:4001")));
        assertThat(book.get(a).orElseThrow().targets()).containsExactly(DialTarget.viaRelay(a, relay));
        assertThat(AddressBook.dialable(book.get(a).orElseThrow(), 0)).isTrue();
        book.save();

        AddressBook again = new AddressBook(Optional.of(dir), 100);
        assertThat(again.get(a).orElseThrow().addrs()).isEmpty();
        assertThat(again.get(a).orElseThrow().relays()).containsExactly(relay);
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

    @Test
    void hearsayNeverChangesAPeerThisNodeWasConnectedTo() {
        AddressBook book = new AddressBook(Optional.empty(), 100);
        PeerId alice = NodeIdentity.generate().peerId();
        HostAndPort real = HostAndPort.parse("10.0.0.1:5000");
        book.learn(alice, "alice", List.of(real), 1234); // from a session with alice herself
        List<HostAndPort> fake = new java.util.ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            fake.add(HostAndPort.parse("10.9.9." + i + ":5000"));
        }
        assertThat(book.learnHearsay(alice, "mallory", fake)).isFalse();
        assertThat(book.get(alice).orElseThrow().addrs()).containsExactly(real);
        assertThat(book.get(alice).orElseThrow().name()).isEqualTo("alice");

        // a stranger is learnt, with at most four addresses, and first-come names stay
        PeerId bob = NodeIdentity.generate().peerId();
        assertThat(book.learnHearsay(bob, "bob", fake)).isTrue();
        assertThat(book.get(bob).orElseThrow().addrs()).containsExactlyElementsOf(fake.subList(0, 4));
        assertThat(book.learnHearsay(bob, "not-bob", List.of(real))).isFalse();
        assertThat(book.get(bob).orElseThrow().name()).isEqualTo("bob");
        assertThat(book.get(bob).orElseThrow().addrs()).hasSize(AddressBook.MAX_HEARSAY_ADDRS);
    }

    @Test
    void hearsayIsForgottenBeforePeersThisNodeMet() {
        AddressBook book = new AddressBook(Optional.empty(), 16);
        PeerId met = NodeIdentity.generate().peerId();
        book.learn(met, "met", List.of(HostAndPort.parse("127.0.0.1:1")), 1);
        for (int i = 0; i < 100; i++) {
            book.learnHearsay(NodeIdentity.generate().peerId(), "h" + i, List.of(HostAndPort.parse("127.0.0.1:2")));
        }
        assertThat(book.size()).isEqualTo(16);
        assertThat(book.get(met)).isPresent();
    }

    @Test
    void namesAreBoundedAndPrintable() {
        assertThat(AddressBook.validName("x".repeat(64))).isTrue();
        assertThat(AddressBook.validName("x".repeat(65))).isFalse();
        assertThat(AddressBook.validName("é".repeat(33))).isFalse(); // 66 bytes
        assertThat(AddressBook.validName("evil\u001b[2J")).isFalse();
        assertThat(AddressBook.validName("two\nlines")).isFalse();
        assertThat(AddressBook.validName(" ")).isFalse();
    }

    @Test
    void theFileIsReadBackWithinASizeCap(@TempDir Path dir) throws Exception {
        PeerId good = NodeIdentity.generate().peerId();
        StringBuilder sb = new StringBuilder();
        // an oversized name, a line over 4096 characters, then more lines than the book holds
        sb.append(NodeIdentity.generate().peerId()).append('\t').append("n".repeat(500)).append("\t127.0.0.1:1\t5\n");
        sb.append("z".repeat(5000)).append('\n');
        sb.append(good).append("\tgood\t127.0.0.1:2\t5\n");
        for (int i = 0; i < 40; i++) {
            sb.append(NodeIdentity.generate().peerId()).append("\tp").append(i).append("\t127.0.0.1:3\t5\n");
        }
        Files.writeString(dir.resolve("peers.tsv"), sb);
        AddressBook book = new AddressBook(Optional.of(dir), 16);
        assertThat(book.size()).isEqualTo(16);
        assertThat(book.get(good)).isPresent();
        assertThat(book.all()).allSatisfy(e -> assertThat(e.name().length()).isLessThanOrEqualTo(64));

        // a file far over capacity x 4 KiB is read only that far: the line after 10 MB never is
        Files.writeString(dir.resolve("peers.tsv"), "z".repeat(10_000_000) + "\n" + good + "\tgood\t127.0.0.1:2\t5\n");
        assertThat(new AddressBook(Optional.of(dir), 16).size()).isZero();
    }
}
