package io.nexo.p2p.files;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a peer needs to fetch and verify a file: its name, size, chunk size and the SHA-256 of
 * every chunk. The file's {@link FileId} is the root hash over these values:
 *
 * <pre>
 *   id = SHA-256("nexo-file-v1" || 0x00 || size (8 bytes, big-endian)
 *                || chunkSize (4 bytes, big-endian) || hash(chunk 0) || hash(chunk 1) || ...)
 * </pre>
 *
 * <p>The name is not part of the id (the same bytes shared under two names are one file); it is
 * checked with {@link SafeFileName} because it comes from the network.
 *
 * <p><b>Why 1 MiB chunks ({@link #DEFAULT_CHUNK_SIZE}).</b> nexo targets files from tens of MiB to
 * tens of GiB on fast links. BitTorrent's 256 KiB pieces make a 10 GiB file 40 960 hashes
 * (1.3 MiB of manifest) and four times as many request round trips; Syncthing scales its blocks
 * from 128 KiB to 16 MiB with the file size. One MiB keeps the manifest at 32 bytes per MiB
 * (320 KiB for 10 GiB, one message), makes each request big enough that per-request overhead
 * (one small frame, one hash lookup) disappears next to the payload and TLS records are full,
 * still gives a 50 MiB file 50 chunks to spread over several peers, and bounds what a bad peer
 * wastes before it is caught to 1 MiB. A flat hash list rather than a Merkle tree is enough
 * because peers always exchange the whole manifest before asking for chunks.
 */
public final class FileManifest {

    /** Chunk size nexo uses when it hashes a file: 1 MiB (see the class comment). */
    public static final int DEFAULT_CHUNK_SIZE = 1 << 20;
    /** Smallest chunk size accepted from a peer. */
    public static final int MIN_CHUNK_SIZE = 16 << 10;
    /** Largest chunk size accepted from a peer: bounds the memory one chunk can take. */
    public static final int MAX_CHUNK_SIZE = 16 << 20;
    /** Largest file accepted: 1 TiB, so a manifest stays below 32 MiB of hashes at 1 MiB chunks. */
    public static final long MAX_SIZE = 1L << 40;
    /** Above this many chunks, {@link #chunkSizeFor} picks a larger chunk size (16 GiB at 1 MiB). */
    public static final int MAX_CHUNKS_AT_DEFAULT = 16_384;
    /** Length of one chunk hash. */
    public static final int HASH_BYTES = 32;

    private static final byte[] DOMAIN = "nexo-file-v1\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final String name;
    private final long size;
    private final int chunkSize;
    private final byte[] chunkHashes;
    private final FileId id;

    private FileManifest(String name, long size, int chunkSize, byte[] chunkHashes) {
        this.name = SafeFileName.check(name);
        if (size < 0 || size > MAX_SIZE) {
            throw new IllegalArgumentException("size: " + size + " (expected: 0-" + MAX_SIZE + ")");
        }
        if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE || Integer.bitCount(chunkSize) != 1) {
            throw new IllegalArgumentException("chunk size: " + chunkSize + " (expected: a power of two, "
                    + MIN_CHUNK_SIZE + "-" + MAX_CHUNK_SIZE + ")");
        }
        long chunks = chunkCount(size, chunkSize);
        if (chunkHashes.length != chunks * HASH_BYTES) {
            throw new IllegalArgumentException("chunk hashes: " + chunkHashes.length + " bytes (expected: "
                    + chunks * HASH_BYTES + " for " + chunks + " chunks)");
        }
        this.size = size;
        this.chunkSize = chunkSize;
        this.chunkHashes = chunkHashes;
        this.id = FileId.of(rootHash(size, chunkSize, chunkHashes));
    }

    /** A manifest computed locally (by {@link FileHasher}); the hashes array is copied. */
    public static FileManifest of(String name, long size, int chunkSize, byte[] chunkHashes) {
        return new FileManifest(name, size, chunkSize, chunkHashes.clone());
    }

    /**
     * A manifest received from a peer, which must hash to the id the peer announced.
     *
     * @throws IllegalArgumentException when any field is invalid or the root hash differs
     */
    public static FileManifest received(FileId claimedId, String name, long size, int chunkSize,
                                        byte[] chunkHashes) {
        FileManifest m = of(name, size, chunkSize, chunkHashes);
        if (!m.id.equals(claimedId)) {
            throw new IllegalArgumentException("manifest of '" + FileId.printable(name) + "' hashes to "
                    + m.id.shortForm() + ", not the announced id " + claimedId.shortForm());
        }
        return m;
    }

    /** Same file, another local name (the id does not change). */
    public FileManifest withName(String newName) {
        return new FileManifest(newName, size, chunkSize, chunkHashes);
    }

    public FileId id() {
        return id;
    }

    public String name() {
        return name;
    }

    public long size() {
        return size;
    }

    public int chunkSize() {
        return chunkSize;
    }

    public int chunkCount() {
        return (int) chunkCount(size, chunkSize);
    }

    /** Byte offset of chunk {@code index} in the file. */
    public long chunkOffset(int index) {
        checkIndex(index);
        return (long) index * chunkSize;
    }

    /** Length of chunk {@code index}: {@link #chunkSize()}, or less for the last chunk. */
    public int chunkLength(int index) {
        checkIndex(index);
        return (int) Math.min(chunkSize, size - (long) index * chunkSize);
    }

    /** The expected SHA-256 of chunk {@code index}. */
    public byte[] chunkHash(int index) {
        checkIndex(index);
        return Arrays.copyOfRange(chunkHashes, index * HASH_BYTES, (index + 1) * HASH_BYTES);
    }

    /** All chunk hashes, concatenated (a copy). */
    public byte[] chunkHashes() {
        return chunkHashes.clone();
    }

    /**
     * True when {@code parts} (their remaining bytes, in order; positions unchanged) are exactly
     * chunk {@code index}.
     */
    public boolean verifyChunk(int index, ByteBuffer... parts) {
        return verifiedDigest(index, parts) != null;
    }

    /**
     * The SHA-256 computed over {@code parts} (their remaining bytes, in order; positions
     * unchanged) when they are exactly chunk {@code index}, else null.
     */
    byte[] verifiedDigest(int index, ByteBuffer... parts) {
        checkIndex(index);
        long total = 0;
        for (ByteBuffer p : parts) {
            total += p.remaining();
        }
        if (total != chunkLength(index)) {
            return null;
        }
        MessageDigest sha = sha256();
        for (ByteBuffer p : parts) {
            sha.update(p.duplicate());
        }
        byte[] digest = sha.digest();
        return chunkHashEquals(index, digest) ? digest : null;
    }

    /**
     * True when {@code computedHashes} (one SHA-256 per chunk, as computed over the bytes a
     * download wrote) hash to this file's id together with its size and chunk size.
     */
    boolean rootMatches(byte[] computedHashes) {
        return computedHashes.length == chunkHashes.length
                && FileId.of(rootHash(size, chunkSize, computedHashes)).equals(id);
    }

    /**
     * The chunk size nexo uses for a file of {@code size} bytes: {@link #DEFAULT_CHUNK_SIZE}, doubled
     * while the file would have more than {@value #MAX_CHUNKS_AT_DEFAULT} chunks (so the manifest
     * stays under 512 KiB, one message), up to {@link #MAX_CHUNK_SIZE}. Syncthing scales its blocks
     * the same way.
     */
    public static int chunkSizeFor(long size) {
        int chunk = DEFAULT_CHUNK_SIZE;
        while (chunk < MAX_CHUNK_SIZE && chunkCount(size, chunk) > MAX_CHUNKS_AT_DEFAULT) {
            chunk <<= 1;
        }
        return chunk;
    }

    /** True when the digest of chunk {@code index} equals {@code digest}. */
    boolean chunkHashEquals(int index, byte[] digest) {
        return Arrays.equals(digest, 0, HASH_BYTES, chunkHashes, index * HASH_BYTES, (index + 1) * HASH_BYTES);
    }

    static long chunkCount(long size, int chunkSize) {
        return (size + chunkSize - 1) / chunkSize;
    }

    static byte[] rootHash(long size, int chunkSize, byte[] chunkHashes) {
        MessageDigest sha = sha256();
        sha.update(DOMAIN);
        sha.update(ByteBuffer.allocate(12).putLong(size).putInt(chunkSize).flip());
        sha.update(chunkHashes);
        return sha.digest();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private void checkIndex(int index) {
        Objects.checkIndex(index, chunkCount());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileManifest m && m.id.equals(id) && m.name.equals(name);
    }

    @Override
    public int hashCode() {
        return id.hashCode() * 31 + name.hashCode();
    }

    @Override
    public String toString() {
        return "FileManifest[" + name + ", " + size + " bytes, " + chunkCount() + " x " + chunkSize
                + ", id " + id.shortForm() + "]";
    }
}
