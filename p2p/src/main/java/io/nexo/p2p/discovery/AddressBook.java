package io.nexo.p2p.discovery;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.PeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The peers this node knows of: id, nickname, addresses, when last connected, and reconnect
 * bookkeeping. Persisted to {@code DATA_DIR/peers.tsv} (one peer a line:
 * {@code id TAB name TAB addr,addr TAB lastSeenMillis}) so a restarted node rejoins by itself.
 * Not thread-safe: used on the node's control thread.
 */
public final class AddressBook {

    private static final Logger log = LoggerFactory.getLogger(AddressBook.class);
    static final String FILE = "peers.tsv";
    /** Addresses kept per peer learnt from a third party (peer exchange). */
    public static final int MAX_HEARSAY_ADDRS = 4;
    /** Relays kept per peer (a node holds reservations on at most 4, {@code RelayConfig.MAX_RESERVE_ON}). */
    public static final int MAX_RELAYS = 4;
    /** Longest nickname kept, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 64;
    /** Longest line of the file read back; longer ones are skipped (a name is at most 64 bytes). */
    static final int MAX_LINE_CHARS = 4096;

    /** What is known about one peer. */
    public static final class Entry {
        private final PeerId id;
        private String name;
        private final LinkedHashSet<HostAndPort> addrs = new LinkedHashSet<>();
        /** Relays the peer said (in its signed record) it is reachable through. */
        private final LinkedHashSet<HostAndPort> relays = new LinkedHashSet<>();
        private long lastSeenMillis;
        int failures;
        long nextAttemptMillis;

        Entry(PeerId id, String name, long lastSeenMillis) {
            this.id = id;
            this.name = name;
            this.lastSeenMillis = lastSeenMillis;
        }

        public PeerId id() {
            return id;
        }

        public String name() {
            return name;
        }

        public List<HostAndPort> addrs() {
            return List.copyOf(addrs);
        }

        public long lastSeenMillis() {
            return lastSeenMillis;
        }

        /** The relays the peer is reachable through ({@code ID@relay:HOST:PORT}). */
        public List<HostAndPort> relays() {
            return List.copyOf(relays);
        }

        /** Where to dial the peer: its direct addresses first, then through its relays. */
        public List<DialTarget> targets() {
            List<DialTarget> out = new ArrayList<>();
            addrs.forEach(a -> out.add(DialTarget.of(id, a)));
            relays.forEach(r -> out.add(DialTarget.viaRelay(id, r)));
            return out;
        }
    }

    private final Optional<Path> file;
    private final int capacity;
    private final Map<PeerId, Entry> entries = new HashMap<>();
    private boolean changed;

    public AddressBook(Optional<Path> dataDir, int capacity) {
        this.file = dataDir.map(d -> d.resolve(FILE));
        this.capacity = capacity;
        file.ifPresent(this::load);
    }

    private void load(Path f) {
        if (!Files.exists(f)) {
            return;
        }
        // read back at most what the book can hold: a file grown by hand or by an old version
        // cannot make the node read or keep more than capacity lines of MAX_LINE_CHARS
        try (java.io.BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            int skipped = 0;
            long[] budget = {(long) capacity * (MAX_LINE_CHARS + 1)};
            String line;
            while (entries.size() < capacity && (line = readBoundedLine(in, budget)) != null) {
                String[] parts = line.split("\t", -1);
                if (line.startsWith("#") || line.isEmpty()) {
                    continue;
                }
                if (parts.length < 4 || line.length() > MAX_LINE_CHARS || !validName(parts[1])) {
                    skipped++;
                    continue;
                }
                try {
                    Entry e = new Entry(PeerId.parse(parts[0]), parts[1], Long.parseLong(parts[3]));
                    for (String a : parts[2].split(",")) {
                        if (a.startsWith(DialTarget.RELAY_PREFIX) && e.relays.size() < MAX_RELAYS) {
                            e.relays.add(HostAndPort.parse(a.substring(DialTarget.RELAY_PREFIX.length())));
                        } else if (!a.isBlank() && !a.startsWith(DialTarget.RELAY_PREFIX) && e.addrs.size() < 8) {
                            e.addrs.add(HostAndPort.parse(a));
                        }
                    }
                    entries.put(e.id, e);
                } catch (IllegalArgumentException bad) {
                    skipped++;
                }
            }
            if (skipped > 0) {
                log.warn("address book {}: skipped {} bad or oversized lines", f, skipped);
            }
            log.debug("address book {}: {} peers", f, entries.size());
        } catch (IOException e) {
            log.warn("cannot read address book {}: {}", f, e.toString());
        }
    }

    /**
     * A line of at most MAX_LINE_CHARS + 1 characters (the rest of a longer one is skipped), or null
     * at the end of the file or of {@code budget[0]}, the characters left to read.
     */
    private static String readBoundedLine(java.io.BufferedReader in, long[] budget) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c = -1;
        while (budget[0] > 0 && (c = in.read()) >= 0 && c != '\n') {
            budget[0]--;
            if (sb.length() <= MAX_LINE_CHARS) {
                sb.append((char) c);
            }
        }
        budget[0]--;
        return (c < 0 || budget[0] < 0) && sb.length() == 0 ? null : sb.toString();
    }

    /** A nickname as peers may send it: 1-64 bytes of UTF-8, no control characters. */
    public static boolean validName(String name) {
        return !name.isBlank() && name.getBytes(StandardCharsets.UTF_8).length <= MAX_NAME_BYTES
                && name.codePoints().noneMatch(Character::isISOControl);
    }

    /** Writes the book (atomically: temporary file, then rename). */
    public void save() {
        if (file.isEmpty()) {
            return;
        }
        Path f = file.get();
        StringBuilder sb = new StringBuilder("# nexo address book: peer id, name, addresses, last seen (ms)\n");
        for (Entry e : entries.values()) {
            if (e.addrs.isEmpty() && e.relays.isEmpty()) {
                continue;
            }
            sb.append(e.id).append('\t').append(e.name.replace('\t', ' ').replace('\n', ' ')).append('\t');
            List<String> addrs = new ArrayList<>(e.addrs.stream().map(HostAndPort::toString).toList());
            e.relays.forEach(r -> addrs.add(DialTarget.RELAY_PREFIX + r));
            sb.append(String.join(",", addrs));
            sb.append('\t').append(e.lastSeenMillis).append('\n');
        }
        try {
            Files.createDirectories(f.getParent());
            Path tmp = f.resolveSibling(FILE + ".tmp");
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("cannot write address book {}: {}", f, e.toString());
        }
    }

    /** Notes that the book has something worth saving at the next {@link #saveIfChanged()}. */
    public void changed() {
        changed = true;
    }

    /** Saves the book if {@link #changed()} was called since the last save. */
    public void saveIfChanged() {
        if (changed) {
            changed = false;
            save();
        }
    }

    /** Records (or refreshes) a peer and addresses where it can be dialled. */
    public Entry learn(PeerId id, String name, List<HostAndPort> addrs, long seenMillis) {
        Entry e = entries.computeIfAbsent(id, k -> new Entry(k, name, 0));
        if (name != null && validName(name)) {
            e.name = name;
        }
        for (HostAndPort a : addrs) {
            if (a.port() != 0 && !isWildcard(a.host())) {
                e.addrs.add(a);
            }
        }
        while (e.addrs.size() > 8) {
            e.addrs.remove(e.addrs.iterator().next());
        }
        e.lastSeenMillis = Math.max(e.lastSeenMillis, seenMillis);
        evictOverCapacity();
        return e;
    }

    /**
     * Records a peer that a third party told of (peer exchange). Never changes what is known of a
     * peer this node has been connected to (its addresses came from itself), nor the name of a peer
     * already known; adds at most {@link #MAX_HEARSAY_ADDRS} addresses per peer. Returns true when
     * the peer was new.
     */
    public boolean learnHearsay(PeerId id, String name, List<HostAndPort> addrs) {
        Entry e = entries.get(id);
        if (e != null && e.lastSeenMillis > 0) {
            return false;
        }
        boolean fresh = e == null;
        if (fresh) {
            e = new Entry(id, name, 0);
            entries.put(id, e);
        }
        for (HostAndPort a : addrs) {
            if (e.addrs.size() >= MAX_HEARSAY_ADDRS) {
                break;
            }
            if (a.port() != 0 && !isWildcard(a.host())) {
                e.addrs.add(a);
            }
        }
        if (fresh) {
            evictOverCapacity();
        }
        return fresh;
    }

    private void evictOverCapacity() {
        if (entries.size() > capacity) {
            entries.values().stream().min(Comparator.comparingLong(Entry::lastSeenMillis))
                    .ifPresent(old -> entries.remove(old.id));
        }
    }

    /** Records a peer with exactly {@code addrs} (from its newest signed record): earlier addresses are dropped. */
    public Entry replace(PeerId id, String name, List<HostAndPort> addrs) {
        return replace(id, name, addrs, List.of());
    }

    /**
     * Records a peer with exactly {@code addrs} and {@code relays} (from its newest signed record,
     * at most {@link #MAX_RELAYS} relays kept): earlier ones are dropped.
     */
    public Entry replace(PeerId id, String name, List<HostAndPort> addrs, List<HostAndPort> relays) {
        Entry e = entries.get(id);
        if (e != null) {
            e.addrs.clear();
            e.relays.clear();
        }
        Entry out = learn(id, name, addrs, 0);
        for (HostAndPort r : relays) {
            if (out.relays.size() < MAX_RELAYS && r.port() != 0 && !isWildcard(r.host())) {
                out.relays.add(r);
            }
        }
        return out;
    }

    /** True for 0.0.0.0 and ::, which are bind addresses, never dialable ones. */
    public static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
    }

    public Optional<Entry> get(PeerId id) {
        return Optional.ofNullable(entries.get(id));
    }

    /** Entries whose nickname equals {@code name}. */
    public List<Entry> byName(String name) {
        return entries.values().stream().filter(e -> e.name.equals(name)).toList();
    }

    public List<Entry> all() {
        return new ArrayList<>(entries.values());
    }

    public int size() {
        return entries.size();
    }

    /** A connection attempt failed: back off. */
    public void failed(PeerId id, Backoff backoff, java.util.Random random, long nowMillis) {
        Entry e = entries.get(id);
        if (e != null) {
            e.failures++;
            e.nextAttemptMillis = nowMillis + backoff.delay(e.failures, random).toMillis();
        }
    }

    /** Connected: reset the backoff. */
    public void succeeded(PeerId id) {
        Entry e = entries.get(id);
        if (e != null) {
            e.failures = 0;
            e.nextAttemptMillis = 0;
        }
    }

    /** True when the backoff of {@code e} allows a dial now. */
    public static boolean dialable(Entry e, long nowMillis) {
        return (!e.addrs.isEmpty() || !e.relays.isEmpty()) && nowMillis >= e.nextAttemptMillis;
    }

    public static int failures(Entry e) {
        return e.failures;
    }
}
