package io.nexo.p2p.files;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * What the network offers, as learned from announcements: for each file id its name, size and the
 * peers that hold it (whole or in part) with the addresses to dial them. A holder that is not
 * re-announced within the time to live is forgotten. Bounded: at most {@code maxOffers} records (a
 * holder offering a file) in all, and {@code maxOffersPerSource} learned through one source (the
 * peer that told this node); a new record beyond either is refused, refreshing a known one is not.
 * Thread-safe; the clock is injected.
 *
 * @param <P> how the caller names a peer
 */
public final class FileCatalog<P> {

    /** One peer holding a file. */
    public record Holder<P>(P peer, List<String> addrs, boolean complete, long seenNanos) {
    }

    /** One file and its holders. */
    public record Entry<P>(FileId id, String name, long size, List<Holder<P>> holders) {
        /** Holders with the whole file. */
        public long completeHolders() {
            return holders.stream().filter(Holder::complete).count();
        }
    }

    /** What {@link #offer} did. */
    public enum OfferResult {
        /** A new holder of the file recorded. */
        ADDED,
        /** A known holder's offer refreshed. */
        REFRESHED,
        /** Unsafe name or impossible size: nothing recorded. */
        UNSAFE,
        /** The source has as many records as it may add: nothing recorded. */
        SOURCE_FULL,
        /** The catalog is full: nothing recorded. */
        FULL;

        /** True when the offer is in the catalog. */
        public boolean recorded() {
            return this == ADDED || this == REFRESHED;
        }
    }

    private static final class Item<P> {
        final FileId id;
        String name;
        long size;
        final Map<P, Holder<P>> holders = new LinkedHashMap<>();
        /** Who told this node about each holder (the record counts against that source). */
        final Map<P, P> sources = new HashMap<>();

        Item(FileId id) {
            this.id = id;
        }
    }

    private final LongSupplier nanoTime;
    private final long ttlNanos;
    private final int maxOffers;
    private final int maxOffersPerSource;
    private final Map<FileId, Item<P>> items = new HashMap<>();
    private final Map<P, Integer> bySource = new HashMap<>();
    private int records;

    public FileCatalog(LongSupplier nanoTime, long ttlNanos, int maxOffers, int maxOffersPerSource) {
        if (ttlNanos <= 0) {
            throw new IllegalArgumentException("ttl: " + ttlNanos + " ns (expected: > 0)");
        }
        if (maxOffersPerSource < 1 || maxOffers < maxOffersPerSource) {
            throw new IllegalArgumentException("offers: " + maxOffers + " in all, " + maxOffersPerSource
                    + " per source (expected: 1 <= per source <= in all)");
        }
        this.nanoTime = nanoTime;
        this.ttlNanos = ttlNanos;
        this.maxOffers = maxOffers;
        this.maxOffersPerSource = maxOffersPerSource;
    }

    /**
     * Records that {@code peer} offers {@code id}, as {@code source} told this node (the holder itself
     * for its own announcement). The name must be safe (checked again here).
     */
    public synchronized OfferResult offer(P source, P peer, FileId id, String name, long size, boolean complete,
                                          List<String> addrs) {
        if (!SafeFileName.isSafe(name) || size < 0 || size > FileManifest.MAX_SIZE) {
            return OfferResult.UNSAFE;
        }
        Item<P> item = items.get(id);
        boolean known = item != null && item.holders.containsKey(peer);
        if (!known) {
            if (records >= maxOffers) {
                return OfferResult.FULL;
            }
            if (bySource.getOrDefault(source, 0) >= maxOffersPerSource) {
                return OfferResult.SOURCE_FULL;
            }
        }
        if (item == null) {
            item = new Item<>(id);
            items.put(id, item);
        }
        item.name = name;
        item.size = size;
        item.holders.put(peer, new Holder<>(peer, List.copyOf(addrs), complete, nanoTime.getAsLong()));
        if (known) {
            return OfferResult.REFRESHED;
        }
        item.sources.put(peer, source);
        bySource.merge(source, 1, Integer::sum);
        records++;
        return OfferResult.ADDED;
    }

    /** {@code peer} no longer offers {@code id}. */
    public synchronized void withdraw(P peer, FileId id) {
        Item<P> item = items.get(id);
        if (item != null && item.holders.remove(peer) != null) {
            forgotten(item, peer);
            if (item.holders.isEmpty()) {
                items.remove(id);
            }
        }
    }

    /** Forgets holders not re-announced within the time to live. */
    public synchronized void expire() {
        long now = nanoTime.getAsLong();
        for (Iterator<Item<P>> it = items.values().iterator(); it.hasNext(); ) {
            Item<P> item = it.next();
            for (Iterator<Holder<P>> h = item.holders.values().iterator(); h.hasNext(); ) {
                Holder<P> holder = h.next();
                if (now - holder.seenNanos() >= ttlNanos) {
                    h.remove();
                    forgotten(item, holder.peer());
                }
            }
            if (item.holders.isEmpty()) {
                it.remove();
            }
        }
    }

    /** Records in the catalog (holders of files, summed over files). */
    public synchronized int size() {
        return records;
    }

    /** Records learned through {@code source} still in the catalog. */
    public synchronized int sizeFrom(P source) {
        return bySource.getOrDefault(source, 0);
    }

    private void forgotten(Item<P> item, P holder) {
        P source = item.sources.remove(holder);
        records--;
        bySource.computeIfPresent(source, (k, n) -> n == 1 ? null : n - 1);
    }

    /** The file with {@code id}, if anyone offers it. */
    public synchronized Optional<Entry<P>> get(FileId id) {
        expire();
        Item<P> item = items.get(id);
        return item == null ? Optional.empty() : Optional.of(entry(item));
    }

    /** Every file offered, by name then id. */
    public synchronized List<Entry<P>> entries() {
        expire();
        List<Entry<P>> out = new ArrayList<>();
        for (Item<P> item : items.values()) {
            out.add(entry(item));
        }
        out.sort(Comparator.comparing((Entry<P> e) -> e.name().toLowerCase(Locale.ROOT)).thenComparing(Entry::id));
        return out;
    }

    /**
     * The id a user means by {@code text}: a full id, or a unique prefix of at least 6 hex digits of
     * an offered one (as {@code /files} prints them).
     *
     * @throws IllegalArgumentException when it is not hex, too short, unknown or ambiguous
     */
    public synchronized FileId resolve(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.length() == FileId.HEX_LENGTH) {
            return FileId.parse(s);
        }
        if (s.length() < 6 || s.length() > FileId.HEX_LENGTH || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("file id: '" + FileId.printable(text)
                    + "' (expected: 64 hex digits, or a prefix of at least 6 as /files shows)");
        }
        List<FileId> matches = items.keySet().stream().filter(id -> id.hex().startsWith(s)).toList();
        if (matches.isEmpty()) {
            throw new IllegalArgumentException("no file offered with an id starting with " + s + " (see /files)");
        }
        if (matches.size() > 1) {
            throw new IllegalArgumentException("id prefix " + s + " matches " + matches.size() + " files; type more digits");
        }
        return matches.get(0);
    }

    private static <P> Entry<P> entry(Item<P> item) {
        return new Entry<>(item.id, item.name, item.size, List.copyOf(item.holders.values()));
    }
}
