package io.nexo.p2p.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
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
 * <p>The state file's layout and writes are in {@link PartialFileState}; re-verification, the
 * final check and the rename in {@link PartFileChecks}.
 */
public final class PartialFile implements ChunkSource, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PartialFile.class);

    /** Suffix of the file a download writes into until it is complete. */
    public static final String PART_SUFFIX = ".nexo-part";
    /** Suffix of a download's state file in the state folder. */
    public static final String STATE_SUFFIX = ".state";

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
        lockPart(dataCh, part);
        FileChannel stateCh = null;
        try {
            dataCh.truncate(0);
            PartFileChecks.checkSpace(t, manifest.size(), manifest);
            long bitmapOffset = PartialFileState.create(statePath, t, manifest, opener);
            stateCh = opener.open(statePath, StandardOpenOption.READ, StandardOpenOption.WRITE);
            log.debug("New download {} -> {}", manifest, part);
            return new PartialFile(manifest, t, part, statePath, dataCh, stateCh, bitmapOffset, new BitSet());
        } catch (IOException | RuntimeException e) {
            dataCh.close();
            if (stateCh != null) {
                stateCh.close();
            }
            throw PartFileChecks.diskFullOr(e, "starting download of " + manifest.name() + " into " + t);
        }
    }

    /**
     * Takes the part file's exclusive lock, held until the channel closes, or closes it and refuses:
     * another process (another node with its own data dir and the same downloads folder) is writing
     * it, and starting over would truncate its download under it.
     */
    private static void lockPart(FileChannel dataCh, Path part) throws IOException {
        java.nio.channels.FileLock lock;
        try {
            lock = dataCh.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            dataCh.close();
            throw new IOException(part + " is being downloaded by another nexo process; choose another --downloads folder");
        }
    }

    /**
     * Reopens an unfinished download from its state file. When the part file has gone the
     * download starts over (the bitmap is cleared).
     */
    public static PartialFile resume(Path statePath, ChannelOpener opener) throws IOException {
        PartialFileState.Parsed p = PartialFileState.read(statePath);
        Path part = partPathFor(p.target(), p.manifest().id());
        boolean partExists = Files.exists(part);
        FileChannel dataCh = opener.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        lockPart(dataCh, part);
        FileChannel stateCh = opener.open(statePath, StandardOpenOption.READ, StandardOpenOption.WRITE);
        BitSet held = partExists ? p.held() : new BitSet();
        if (!partExists && !p.held().isEmpty()) {
            log.warn("Part file {} is gone: download of {} starts over", part, p.manifest().name());
            PartialFileState.writeBitmap(stateCh, p.bitmapOffset(), held, p.manifest());
        }
        PartialFile resumed = new PartialFile(p.manifest(), p.target(), part, statePath, dataCh, stateCh,
                p.bitmapOffset(), held);
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
        List<Integer> bad = PartFileChecks.reverify(data, manifest, held, digests);
        if (!bad.isEmpty()) {
            for (int i : bad) {
                held.clear(i);
            }
            PartialFileState.writeBitmap(state, bitmapOffset, held, manifest);
            log.warn("Resuming download of {}: chunks {} changed on disk since they were verified and will be"
                    + " fetched again", manifest.name(), bad);
        }
        log.info("Resuming download of {}: {} of {} chunks re-verified from disk in {} ms", manifest.name(),
                before - bad.size(), manifest.chunkCount(), (System.nanoTime() - start) / 1_000_000);
    }

    /** State files of unfinished downloads in {@code stateDir} (empty when it does not exist). */
    public static List<Path> stateFiles(Path stateDir) throws IOException {
        return PartialFileState.list(stateDir);
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
                // one gathering write (writev) for all the pieces: a chunk that arrived as TLS's
                // ~16 KiB buffers would otherwise take a pwrite each. Only writes move the
                // channel's position, and they hold writeLock; reads are positional.
                ByteBuffer[] srcs = new ByteBuffer[parts.length];
                long left = 0;
                for (int i = 0; i < parts.length; i++) {
                    srcs[i] = parts[i].duplicate();
                    left += srcs[i].remaining();
                }
                data.position(manifest.chunkOffset(index));
                while (left > 0) {
                    left -= data.write(srcs);
                }
            } catch (ClosedChannelException e) {
                if (isClosed()) {
                    return WriteResult.CLOSED; // closed by another thread meanwhile (it also interrupts the write)
                }
                throw e;
            } catch (IOException e) {
                throw PartFileChecks.diskFullOr(e, "writing chunk " + index + " of " + manifest.name() + " to " + partPath);
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
            try {
                PartialFileState.writeBit(state, bitmapOffset, held, index);
            } catch (IOException e) {
                held.clear(index);
                throw PartFileChecks.diskFullOr(e, "recording chunk " + index + " of " + manifest.name() + " in " + statePath);
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
            List<Integer> bad = PartFileChecks.finalCheck(manifest, length, digests);
            if (!bad.isEmpty()) {
                for (int i : bad) {
                    held.clear(i);
                }
                PartialFileState.writeBitmap(state, bitmapOffset, held, manifest);
                throw new IOException("final check of " + manifest.name() + " failed: chunks " + bad
                        + " are not in the part file as verified (" + length + " of " + manifest.size()
                        + " bytes) and will be fetched again");
            }
            close();
            Path finalPath = PartFileChecks.renameToFreeName(partPath, target);
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

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("download of " + manifest.name() + " is closed");
        }
    }

    static Path partPathFor(Path target, FileId id) {
        String name = target.getFileName() + "." + id.shortForm() + PART_SUFFIX;
        if (name.getBytes(StandardCharsets.UTF_8).length > SafeFileName.MAX_BYTES) {
            name = id.hex() + PART_SUFFIX;
        }
        return target.resolveSibling(name);
    }
}
