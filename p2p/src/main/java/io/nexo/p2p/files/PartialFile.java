package io.nexo.p2p.files;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One download on disk: the bytes in {@code <target>.<id>.nexo-part} next to the target, and a
 * state file {@code <id>.state} in the downloads state folder of the data dir holding the
 * manifest, the target path and a bitmap of the chunks written and verified.
 *
 * <p>Every chunk is verified against its hash before it is written; its bit is set (one byte
 * rewritten in place) only after its bytes are written, and the SHA-256 computed over exactly the
 * bytes written is kept. Chunks found in the part file when a download resumes are hashed again
 * from disk before they count (a crash or another program may have changed them). {@link #finish}
 * does not re-read the file, like BitTorrent and Syncthing, which verify pieces on arrival: it
 * derives the root hash from the chunk hashes computed over the bytes written, checks that it is
 * the file's id and that the part file has the file's size, then renames it to the target
 * atomically: the target name appears only when the file is complete and correct.
 *
 * <p>State file layout (version 1): {@code "NEXOPRT1"}, target path (UTF), name (UTF), size
 * (long), chunk size (int), chunk hashes, then the bitmap, one bit per chunk, least significant
 * bit first.
 */
public final class PartialFile implements ChunkSource, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PartialFile.class);

    /** Suffix of the file a download writes into until it is complete. */
    public static final String PART_SUFFIX = ".nexo-part";
    /** Suffix of a download's state file in the state folder. */
    public static final String STATE_SUFFIX = ".state";

    private static final byte[] MAGIC = "NEXOPRT1".getBytes(StandardCharsets.US_ASCII);

    /** Result of {@link #write}. */
    public enum WriteResult {
        /** Verified and written. */
        STORED,
        /** Already held (an endgame duplicate): nothing written. */
        DUPLICATE,
        /** Failed its hash: nothing written, the sender should be distrusted. */
        CORRUPT,
        /**
         * The download ended (finished, paused or cancelled) while this chunk was on its way, e.g. an
         * endgame duplicate verified on another thread: nothing recorded. Not an error.
         */
        CLOSED
    }

    private final FileManifest manifest;
    private final Path target;
    private final Path partPath;
    private final Path statePath;
    private final FileChannel data;
    private final FileChannel state;
    private final long bitmapOffset;
    private final BitSet held;
    /** SHA-256 computed over the bytes of each held chunk as written (or as read back on resume). */
    private final byte[] digests;
    private final Object writeLock = new Object();
    private boolean closed;

    private PartialFile(FileManifest manifest, Path target, Path partPath, Path statePath,
                        FileChannel data, FileChannel state, long bitmapOffset, BitSet held) {
        this.manifest = manifest;
        this.target = target;
        this.partPath = partPath;
        this.statePath = statePath;
        this.data = data;
        this.state = state;
        this.bitmapOffset = bitmapOffset;
        this.held = held;
        this.digests = new byte[manifest.chunkCount() * FileManifest.HASH_BYTES];
    }

    /**
     * Starts the download of {@code manifest} into {@code target}, or resumes it when the state
     * folder already holds a state file for this id and the part file still exists.
     *
     * @throws DiskFullException when the target's file system has less usable space than the
     *                           chunks still missing need
     */
    public static PartialFile open(Path stateDir, FileManifest manifest, Path target, ChannelOpener opener)
            throws IOException {
        Objects.requireNonNull(manifest, "manifest");
        Path statePath = stateFile(stateDir, manifest.id());
        if (Files.exists(statePath)) {
            PartialFile resumed = resume(statePath, opener);
            if (resumed.manifest.id().equals(manifest.id())) {
                return resumed;
            }
            resumed.close();
        }
        Files.createDirectories(stateDir);
        Path t = target.toAbsolutePath().normalize();
        Files.createDirectories(t.getParent());
        Path part = partPathFor(t, manifest.id());
        FileChannel dataCh = opener.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileChannel stateCh = null;
        try {
            dataCh.truncate(0);
            checkSpace(t, manifest.size(), manifest);
            byte[] header = header(t, manifest);
            Path tmp = statePath.resolveSibling(statePath.getFileName() + ".tmp");
            try (FileChannel out = opener.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(out, ByteBuffer.wrap(header), 0);
                writeFully(out, ByteBuffer.allocate(bitmapBytes(manifest)), header.length);
                out.force(true);
            }
            Files.move(tmp, statePath, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            stateCh = opener.open(statePath, StandardOpenOption.READ, StandardOpenOption.WRITE);
            log.debug("New download {} -> {}", manifest, part);
            return new PartialFile(manifest, t, part, statePath, dataCh, stateCh, header.length, new BitSet());
        } catch (IOException | RuntimeException e) {
            dataCh.close();
            if (stateCh != null) {
                stateCh.close();
            }
            throw diskFullOr(e, "starting download of " + manifest.name() + " into " + t);
        }
    }

    /**
     * Reopens an unfinished download from its state file. When the part file has gone the
     * download starts over (the bitmap is cleared).
     */
    public static PartialFile resume(Path statePath, ChannelOpener opener) throws IOException {
        byte[] bytes = Files.readAllBytes(statePath);
        Parsed p;
        try {
            p = parse(bytes);
        } catch (IOException | RuntimeException e) {
            throw new IOException("unreadable download state " + statePath + ": " + e.getMessage(), e);
        }
        Path part = partPathFor(p.target, p.manifest.id());
        boolean partExists = Files.exists(part);
        FileChannel dataCh = opener.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileChannel stateCh = opener.open(statePath, StandardOpenOption.READ, StandardOpenOption.WRITE);
        BitSet held = partExists ? p.held : new BitSet();
        if (!partExists && !p.held.isEmpty()) {
            log.warn("Part file {} is gone: download of {} starts over", part, p.manifest.name());
            writeFully(stateCh, ByteBuffer.allocate(bitmapBytes(p.manifest)), p.bitmapOffset);
        }
        PartialFile resumed = new PartialFile(p.manifest, p.target, part, statePath, dataCh, stateCh,
                p.bitmapOffset, held);
        try {
            resumed.reverifyHeld();
        } catch (IOException | RuntimeException e) {
            resumed.close();
            throw e;
        }
        return resumed;
    }

    /**
     * Hashes every chunk the state file marks as held from the part file: those that no longer
     * match lose their bit (and are fetched again), the others count with the hash computed here.
     */
    private void reverifyHeld() throws IOException {
        long start = System.nanoTime();
        int before = held.cardinality();
        List<Integer> bad = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocateDirect(Math.min(FileHasher.BUFFER_SIZE, manifest.chunkSize()));
        var sha = FileManifest.sha256();
        for (int i = held.nextSetBit(0); i >= 0; i = held.nextSetBit(i + 1)) {
            long pos = manifest.chunkOffset(i);
            long end = pos + manifest.chunkLength(i);
            while (pos < end) {
                buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
                int n = data.read(buf, pos);
                if (n < 0) {
                    break;
                }
                pos += n;
                sha.update(buf.flip());
            }
            byte[] digest = sha.digest(); // also resets it
            if (pos == end && manifest.chunkHashEquals(i, digest)) {
                System.arraycopy(digest, 0, digests, i * FileManifest.HASH_BYTES, FileManifest.HASH_BYTES);
            } else {
                bad.add(i);
            }
        }
        if (!bad.isEmpty()) {
            for (int i : bad) {
                held.clear(i);
            }
            writeFully(state, ByteBuffer.wrap(bitmap()), bitmapOffset);
            log.warn("Resuming download of {}: chunks {} changed on disk since they were verified and will be"
                    + " fetched again", manifest.name(), bad);
        }
        log.info("Resuming download of {}: {} of {} chunks re-verified from disk in {} ms", manifest.name(),
                before - bad.size(), manifest.chunkCount(), (System.nanoTime() - start) / 1_000_000);
    }

    /** State files of unfinished downloads in {@code stateDir} (empty when it does not exist). */
    public static List<Path> stateFiles(Path stateDir) throws IOException {
        if (!Files.isDirectory(stateDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(stateDir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(STATE_SUFFIX)).sorted().toList();
        }
    }

    /** Where the state of download {@code id} lives. */
    public static Path stateFile(Path stateDir, FileId id) {
        return stateDir.resolve(id.hex() + STATE_SUFFIX);
    }

    /**
     * Verifies {@code parts} (their remaining bytes in order; positions unchanged) as chunk
     * {@code index} and writes them when they are correct and new. Several parts let a chunk that
     * arrived in blocks be written without first copying it into one buffer.
     *
     * @throws DiskFullException when the disk is full (the chunk is not marked; state is kept)
     */
    public WriteResult write(int index, ByteBuffer... parts) throws IOException {
        Objects.checkIndex(index, manifest.chunkCount());
        synchronized (this) {
            if (closed) {
                return WriteResult.CLOSED;
            }
            if (held.get(index)) {
                return WriteResult.DUPLICATE;
            }
        }
        byte[] digest = manifest.verifiedDigest(index, parts);
        if (digest == null) {
            return WriteResult.CORRUPT;
        }
        // one writer at a time: the kernel serialises writes to one file anyway (tmpfs and ext4 take
        // the inode lock), and a second writer would spin on that lock in the kernel (profiled:
        // 10% of the verifier threads' time) while hashing could use the core
        synchronized (writeLock) {
            try {
                long pos = manifest.chunkOffset(index);
                for (ByteBuffer part : parts) {
                    pos += part.remaining();
                    writeFully(data, part.duplicate(), pos - part.remaining());
                }
            } catch (ClosedChannelException e) {
                if (isClosed()) {
                    return WriteResult.CLOSED; // closed by another thread meanwhile (it also interrupts the write)
                }
                throw e;
            } catch (IOException e) {
                throw diskFullOr(e, "writing chunk " + index + " of " + manifest.name() + " to " + partPath);
            }
        }
        synchronized (this) {
            if (closed) {
                return WriteResult.CLOSED;
            }
            if (held.get(index)) {
                return WriteResult.DUPLICATE;
            }
            held.set(index);
            System.arraycopy(digest, 0, digests, index * FileManifest.HASH_BYTES, FileManifest.HASH_BYTES);
            int byteIndex = index >>> 3;
            byte b = 0;
            for (int bit = 0; bit < 8; bit++) {
                if (held.get(byteIndex * 8 + bit)) {
                    b |= (byte) (1 << bit);
                }
            }
            try {
                writeFully(state, ByteBuffer.wrap(new byte[] {b}), bitmapOffset + byteIndex);
            } catch (IOException e) {
                held.clear(index);
                throw diskFullOr(e, "recording chunk " + index + " of " + manifest.name() + " in " + statePath);
            }
        }
        return WriteResult.STORED;
    }

    /** True when every chunk is held. */
    public synchronized boolean isComplete() {
        return held.cardinality() == manifest.chunkCount();
    }

    /** A copy of the held-chunk bitmap. */
    public synchronized BitSet held() {
        return (BitSet) held.clone();
    }

    /** Bytes held and verified. */
    public synchronized long bytesHeld() {
        long n = (long) held.cardinality() * manifest.chunkSize();
        int last = manifest.chunkCount() - 1;
        if (last >= 0 && held.get(last)) {
            n -= manifest.chunkSize() - manifest.chunkLength(last);
        }
        return n;
    }

    /**
     * Completes the download: flushes the data, checks it without reading it back, and renames it to
     * the target (or {@code name (1).ext} and so on when the target exists by now). Deletes the
     * state file. The check derives the root hash from the chunk hashes computed over the bytes
     * written (or re-read on resume) and compares it with the file's id, and compares the part
     * file's length with the file's size. Chunks that fail it (cut off by a part file that shrank)
     * are marked missing again and an exception says so; the download can continue.
     *
     * @return the final path
     */
    public Path finish() throws IOException {
        List<Integer> bad = new ArrayList<>();
        synchronized (this) {
            ensureOpen();
            if (!isComplete()) {
                throw new IllegalStateException("download of " + manifest.name() + " is not complete: "
                        + held.cardinality() + " of " + manifest.chunkCount() + " chunks");
            }
            data.force(true);
            long length = data.size();
            if (length > manifest.size()) {
                data.truncate(manifest.size()); // only another program can have written past the end
            }
            for (int i = 0; i < manifest.chunkCount(); i++) {
                if (manifest.chunkOffset(i) + manifest.chunkLength(i) > length) {
                    bad.add(i);
                }
            }
            if (bad.isEmpty() && !manifest.rootMatches(digests)) {
                for (int i = 0; i < manifest.chunkCount(); i++) {
                    if (!manifest.chunkHashEquals(i, Arrays.copyOfRange(digests, i * FileManifest.HASH_BYTES,
                            (i + 1) * FileManifest.HASH_BYTES))) {
                        bad.add(i);
                    }
                }
            }
            if (!bad.isEmpty()) {
                for (int i : bad) {
                    held.clear(i);
                }
                writeFully(state, ByteBuffer.wrap(bitmap()), bitmapOffset);
                throw new IOException("final check of " + manifest.name() + " failed: chunks " + bad
                        + " are not in the part file as verified (" + length + " of " + manifest.size()
                        + " bytes) and will be fetched again");
            }
            close();
            Path finalPath = freeName(target);
            try {
                Files.move(partPath, finalPath, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                // the part file sits next to the target, so this only happens on odd file systems
                Files.move(partPath, finalPath);
            }
            Files.deleteIfExists(statePath);
            log.info("Download complete: {} ({} bytes, id {})", finalPath, manifest.size(), manifest.id().shortForm());
            return finalPath;
        }
    }

    /** Stops the download and deletes its part and state files. */
    public void discard() throws IOException {
        close();
        Files.deleteIfExists(partPath);
        Files.deleteIfExists(statePath);
    }

    public Path target() {
        return target;
    }

    public Path partPath() {
        return partPath;
    }

    @Override
    public FileManifest manifest() {
        return manifest;
    }

    @Override
    public synchronized boolean hasChunk(int index) {
        return !closed && held.get(index);
    }

    @Override
    public synchronized int chunksHeld() {
        return held.cardinality();
    }

    @Override
    public synchronized Slice slice(int index) throws IOException {
        ensureOpen();
        if (!held.get(index)) {
            throw new IOException("chunk " + index + " of " + manifest.name() + " is not held yet");
        }
        return new Slice(data, manifest.chunkOffset(index), manifest.chunkLength(index));
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    /** Closes the files; the state stays on disk so the download can resume. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            data.close();
        } finally {
            state.close();
        }
    }

    @Override
    public String toString() {
        return "PartialFile[" + manifest.name() + ", " + chunksHeld() + "/" + manifest.chunkCount() + "]";
    }

    private byte[] bitmap() {
        byte[] bits = held.toByteArray();
        return Arrays.copyOf(bits, bitmapBytes(manifest));
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("download of " + manifest.name() + " is closed");
        }
    }

    private static Path freeName(Path target) {
        if (!Files.exists(target)) {
            return target;
        }
        String name = target.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        for (int n = 1; n < 10_000; n++) {
            Path candidate = target.resolveSibling(stem + " (" + n + ")" + ext);
            if (!Files.exists(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free name next to " + target);
    }

    static Path partPathFor(Path target, FileId id) {
        String name = target.getFileName() + "." + id.shortForm() + PART_SUFFIX;
        if (name.getBytes(StandardCharsets.UTF_8).length > SafeFileName.MAX_BYTES) {
            name = id.hex() + PART_SUFFIX;
        }
        return target.resolveSibling(name);
    }

    private static void checkSpace(Path target, long needed, FileManifest m) throws IOException {
        long usable = Files.getFileStore(target.getParent()).getUsableSpace();
        if (usable < needed) {
            throw new DiskFullException("not enough space for " + m.name() + " in " + target.getParent()
                    + ": needs " + needed + " bytes, " + usable + " usable", null);
        }
    }

    private static IOException diskFullOr(Exception e, String doing) {
        if (e instanceof DiskFullException d) {
            return d;
        }
        if (e instanceof IOException io && DiskFullException.isNoSpace(io)) {
            return new DiskFullException("disk full " + doing + ": free some space and fetch it again to resume"
                    + " (verified chunks are kept)", e);
        }
        if (e instanceof IOException io) {
            return io;
        }
        throw (RuntimeException) e;
    }

    private static void writeFully(FileChannel ch, ByteBuffer src, long position) throws IOException {
        long pos = position;
        while (src.hasRemaining()) {
            pos += ch.write(src, pos);
        }
    }

    private static int bitmapBytes(FileManifest m) {
        return (m.chunkCount() + 7) / 8;
    }

    private static byte[] header(Path target, FileManifest m) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeUTF(target.toString());
            out.writeUTF(m.name());
            out.writeLong(m.size());
            out.writeInt(m.chunkSize());
            out.write(m.chunkHashes());
        }
        return bytes.toByteArray();
    }

    private record Parsed(FileManifest manifest, Path target, long bitmapOffset, BitSet held) {
    }

    private static Parsed parse(byte[] bytes) throws IOException {
        var in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
        byte[] magic = in.readNBytes(MAGIC.length);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException("not a nexo download state (version 1)");
        }
        Path target = Path.of(in.readUTF());
        String name = in.readUTF();
        long size = in.readLong();
        int chunkSize = in.readInt();
        if (chunkSize < FileManifest.MIN_CHUNK_SIZE || chunkSize > FileManifest.MAX_CHUNK_SIZE
                || size < 0 || size > FileManifest.MAX_SIZE) {
            throw new IOException("bad size " + size + " or chunk size " + chunkSize);
        }
        long chunks = FileManifest.chunkCount(size, chunkSize);
        byte[] hashes = in.readNBytes((int) (chunks * FileManifest.HASH_BYTES));
        FileManifest m = FileManifest.of(name, size, chunkSize, hashes);
        long offset = bytes.length - in.available();
        byte[] bits = in.readNBytes((int) ((chunks + 7) / 8));
        if (bits.length != (chunks + 7) / 8) {
            throw new NoSuchFileException("truncated bitmap");
        }
        BitSet held = BitSet.valueOf(bits);
        if (held.length() > chunks) {
            held.clear((int) chunks, held.length());
        }
        return new Parsed(m, target, offset, held);
    }
}
