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
    private final FileCatalog<String> catalog = new FileCatalog<>(now::get, TTL, 100, 100);
    /** A small catalog for the caps: 5 records in all, 3 learned through one source. */
    private final FileCatalog<String> capped = new FileCatalog<>(now::get, TTL, 5, 3);

    private static FileId id(String prefix) {
        return FileId.parse(prefix + "0".repeat(FileId.HEX_LENGTH - prefix.length()));
    }

    /** Offers the holder's own announcement (it is its own source); true when recorded. */
    private boolean offer(String peer, FileId id, String name, long size, boolean complete, List<String> addrs) {
        return catalog.offer(peer, peer, id, name, size, complete, addrs).recorded();
    }

    private FileCatalog.OfferResult offerCapped(String source, String holder, FileId id) {
        return capped.offer(source, holder, id, "f.txt", 10, true, List.of("127.0.0.1:1"));
    }

    @Test
    void holdersOfOneFileAreListedWithTheirAddresses() {
        assertThat(offer("p1", A, "movie.mkv", 100, true, List.of("127.0.0.1:1"))).isTrue();
        assertThat(offer("p2", A, "movie.mkv", 100, false, List.of("127.0.0.1:2", "[::1]:2"))).isTrue();

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
        offer("p1", A, "a.txt", 10, false, List.of("127.0.0.1:1"));
        offer("p1", A, "a.txt", 10, true, List.of("127.0.0.1:9"));
        FileCatalog.Entry<String> e = catalog.get(A).orElseThrow();
        assertThat(e.holders()).hasSize(1);
        assertThat(e.holders().get(0).complete()).isTrue();
        assertThat(e.holders().get(0).addrs()).containsExactly("127.0.0.1:9");
    }

    @Test
    void unsafeNamesAndImpossibleSizesAreNotRecorded() {
        for (String name : new String[] {"../etc/passwd", "a/b", "CON", ".hidden", "x\0y", ""}) {
            assertThat(offer("evil", A, name, 10, true, List.of())).as(name).isFalse();
        }
        assertThat(offer("evil", A, "ok.txt", -1, true, List.of())).isFalse();
        assertThat(offer("evil", A, "ok.txt", FileManifest.MAX_SIZE + 1, true, List.of())).isFalse();
        assertThat(catalog.entries()).isEmpty();
        assertThat(offer("evil", A, "ok.txt", FileManifest.MAX_SIZE, true, List.of())).isTrue();
    }

    @Test
    void aHolderNotReannouncedWithinTheTtlIsForgotten() {
        offer("p1", A, "a.txt", 10, true, List.of());
        now.addAndGet(400);
        offer("p2", A, "a.txt", 10, true, List.of());
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
        offer("p1", A, "a.txt", 10, true, List.of());
        offer("p2", A, "a.txt", 10, true, List.of());
        catalog.withdraw("p1", A);
        assertThat(catalog.get(A).orElseThrow().holders()).extracting(FileCatalog.Holder::peer).containsExactly("p2");
        catalog.withdraw("p3", A); // not a holder: nothing happens
        catalog.withdraw("p2", B); // not that file
        catalog.withdraw("p2", A);
        assertThat(catalog.get(A)).isEmpty();
    }

    @Test
    void entriesAreSortedByNameIgnoringCaseThenById() {
        offer("p", B, "same.txt", 1, true, List.of());
        offer("p", C, "Zebra.txt", 1, true, List.of());
        offer("p", A, "same.txt", 1, true, List.of());
        offer("p", id("ffffff"), "apple.txt", 1, true, List.of());
        assertThat(catalog.entries()).extracting(FileCatalog.Entry::name)
                .containsExactly("apple.txt", "same.txt", "same.txt", "Zebra.txt");
        assertThat(catalog.entries().subList(1, 3)).extracting(FileCatalog.Entry::id).containsExactly(A, B);
    }

    @Test
    void resolveTakesAFullIdOrAUniquePrefixOfAtLeastSixDigits() {
        offer("p", A, "a", 1, true, List.of());
        offer("p", B, "b", 1, true, List.of());
        offer("p", C, "c", 1, true, List.of());

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
        assertThatThrownBy(() -> new FileCatalog<String>(now::get, 0, 1, 1)).hasMessage("ttl: 0 ns (expected: > 0)");
    }

    @Test
    void aSourceAddsAtMostItsShareButRefreshesWhatItAdded() {
        assertThat(offerCapped("x", "h1", A)).isEqualTo(FileCatalog.OfferResult.ADDED);
        assertThat(offerCapped("x", "h2", A)).isEqualTo(FileCatalog.OfferResult.ADDED);
        assertThat(offerCapped("x", "h3", B)).isEqualTo(FileCatalog.OfferResult.ADDED);
        assertThat(offerCapped("x", "h4", B)).isEqualTo(FileCatalog.OfferResult.SOURCE_FULL);
        assertThat(offerCapped("x", "h1", A)).isEqualTo(FileCatalog.OfferResult.REFRESHED);
        assertThat(capped.sizeFrom("x")).isEqualTo(3);
        assertThat(capped.get(B).orElseThrow().holders()).extracting(FileCatalog.Holder::peer).containsExactly("h3");
    }

    @Test
    void theCatalogHoldsAtMostItsTotalAndFreesRoomOnWithdrawalAndExpiry() {
        offerCapped("x", "h1", A);
        offerCapped("x", "h2", A);
        offerCapped("y", "h3", B);
        offerCapped("y", "h4", B);
        offerCapped("z", "h5", C);
        assertThat(offerCapped("z", "h6", C)).isEqualTo(FileCatalog.OfferResult.FULL);
        assertThat(capped.size()).isEqualTo(5);

        capped.withdraw("h5", C);
        assertThat(capped.sizeFrom("z")).isZero();
        assertThat(offerCapped("z", "h6", C)).isEqualTo(FileCatalog.OfferResult.ADDED);

        now.addAndGet(TTL / 2);
        offerCapped("x", "h1", A); // refreshed: outlives the others
        now.addAndGet(TTL / 2 + 1);
        capped.expire();
        assertThat(capped.size()).isEqualTo(1);
        assertThat(capped.sizeFrom("x")).isEqualTo(1);
        assertThat(capped.sizeFrom("y")).isZero();
    }

    @Test
    void capsAreValidated() {
        assertThatThrownBy(() -> new FileCatalog<>(now::get, 1, 2, 3))
                .hasMessage("offers: 2 in all, 3 per source (expected: 1 <= per source <= in all)");
    }
}
