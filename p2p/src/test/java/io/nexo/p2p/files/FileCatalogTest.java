package io.nexo.p2p.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What the network offers, learned from announcements that a peer controls; the clock is manual. */
class FileCatalogTest {

    private static final long TTL = 1_000;
    private static final FileId A = id("abcdef01");
    private static final FileId B = id("abcdef02");
    private static final FileId C = id("123456aa");

    private final AtomicLong now = new AtomicLong(-10_000);
    private final FileCatalog<String> catalog = new FileCatalog<>(now::get, TTL);

    private static FileId id(String prefix) {
        return FileId.parse(prefix + "0".repeat(FileId.HEX_LENGTH - prefix.length()));
    }

    @Test
    void holdersOfOneFileAreListedWithTheirAddresses() {
        assertThat(catalog.offer("p1", A, "movie.mkv", 100, true, List.of("127.0.0.1:1"))).isTrue();
        assertThat(catalog.offer("p2", A, "movie.mkv", 100, false, List.of("127.0.0.1:2", "[::1]:2"))).isTrue();

        FileCatalog.Entry<String> e = catalog.get(A).orElseThrow();
        assertThat(e.name()).isEqualTo("movie.mkv");
        assertThat(e.size()).isEqualTo(100);
        assertThat(e.holders()).extracting(FileCatalog.Holder::peer).containsExactly("p1", "p2");
        assertThat(e.holders().get(1).addrs()).containsExactly("127.0.0.1:2", "[::1]:2");
        assertThat(e.completeHolders()).isEqualTo(1);
        assertThat(catalog.get(B)).isEmpty();
    }

    @Test
    void aReannouncementReplacesThePeersEarlierOne() {
        catalog.offer("p1", A, "a.txt", 10, false, List.of("127.0.0.1:1"));
        catalog.offer("p1", A, "a.txt", 10, true, List.of("127.0.0.1:9"));
        FileCatalog.Entry<String> e = catalog.get(A).orElseThrow();
        assertThat(e.holders()).hasSize(1);
        assertThat(e.holders().get(0).complete()).isTrue();
        assertThat(e.holders().get(0).addrs()).containsExactly("127.0.0.1:9");
    }

    @Test
    void unsafeNamesAndImpossibleSizesAreNotRecorded() {
        for (String name : new String[] {"../etc/passwd", "a/b", "CON", ".hidden", "x\0y", ""}) {
            assertThat(catalog.offer("evil", A, name, 10, true, List.of())).as(name).isFalse();
        }
        assertThat(catalog.offer("evil", A, "ok.txt", -1, true, List.of())).isFalse();
        assertThat(catalog.offer("evil", A, "ok.txt", FileManifest.MAX_SIZE + 1, true, List.of())).isFalse();
        assertThat(catalog.entries()).isEmpty();
        assertThat(catalog.offer("evil", A, "ok.txt", FileManifest.MAX_SIZE, true, List.of())).isTrue();
    }

    @Test
    void aHolderNotReannouncedWithinTheTtlIsForgotten() {
        catalog.offer("p1", A, "a.txt", 10, true, List.of());
        now.addAndGet(400);
        catalog.offer("p2", A, "a.txt", 10, true, List.of());
        now.addAndGet(TTL - 400 - 1);
        assertThat(catalog.get(A).orElseThrow().holders()).extracting(FileCatalog.Holder::peer)
                .containsExactly("p1", "p2");
        now.addAndGet(1); // p1's announcement is exactly TTL old
        assertThat(catalog.get(A).orElseThrow().holders()).extracting(FileCatalog.Holder::peer)
                .containsExactly("p2");
        now.addAndGet(400);
        assertThat(catalog.get(A)).isEmpty();
        assertThat(catalog.entries()).isEmpty();
    }

    @Test
    void withdrawingTheLastHolderRemovesTheFile() {
        catalog.offer("p1", A, "a.txt", 10, true, List.of());
        catalog.offer("p2", A, "a.txt", 10, true, List.of());
        catalog.withdraw("p1", A);
        assertThat(catalog.get(A).orElseThrow().holders()).extracting(FileCatalog.Holder::peer).containsExactly("p2");
        catalog.withdraw("p3", A); // not a holder: nothing happens
        catalog.withdraw("p2", B); // not that file
        catalog.withdraw("p2", A);
        assertThat(catalog.get(A)).isEmpty();
    }

    @Test
    void entriesAreSortedByNameIgnoringCaseThenById() {
        catalog.offer("p", B, "same.txt", 1, true, List.of());
        catalog.offer("p", C, "Zebra.txt", 1, true, List.of());
        catalog.offer("p", A, "same.txt", 1, true, List.of());
        catalog.offer("p", id("ffffff"), "apple.txt", 1, true, List.of());
        assertThat(catalog.entries()).extracting(FileCatalog.Entry::name)
                .containsExactly("apple.txt", "same.txt", "same.txt", "Zebra.txt");
        assertThat(catalog.entries().subList(1, 3)).extracting(FileCatalog.Entry::id).containsExactly(A, B);
    }

    @Test
    void resolveTakesAFullIdOrAUniquePrefixOfAtLeastSixDigits() {
        catalog.offer("p", A, "a", 1, true, List.of());
        catalog.offer("p", B, "b", 1, true, List.of());
        catalog.offer("p", C, "c", 1, true, List.of());

        assertThat(catalog.resolve("123456")).isEqualTo(C);
        assertThat(catalog.resolve(" ABCDEF02 ")).isEqualTo(B);
        assertThat(catalog.resolve(A.hex())).isEqualTo(A);
        FileId unknown = id("99");
        assertThat(catalog.resolve(unknown.hex())).isEqualTo(unknown); // a full id need not be offered
        assertThatThrownBy(() -> catalog.resolve("abcdef"))
                .hasMessage("id prefix abcdef matches 2 files; type more digits");
        assertThatThrownBy(() -> catalog.resolve("12345"))
                .hasMessageContaining("(expected: 64 hex digits, or a prefix of at least 6 as /files shows)");
        assertThatThrownBy(() -> catalog.resolve("12345z"))
                .hasMessageContaining("(expected: 64 hex digits");
        assertThatThrownBy(() -> catalog.resolve("777777"))
                .hasMessage("no file offered with an id starting with 777777 (see /files)");
        assertThatThrownBy(() -> catalog.resolve(A.hex() + "0"))
                .hasMessageContaining("(expected: 64 hex digits");
    }

    @Test
    void aTtlMustBePositive() {
        assertThatThrownBy(() -> new FileCatalog<String>(now::get, 0)).hasMessage("ttl: 0 ns (expected: > 0)");
    }
}
