package io.nexo.p2p.files;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.stream.Stream;

/**
 * The state file of a download ({@code <id>.state} in the state folder): its codec, and the writes
 * that keep its bitmap up to date.
 *
 * <p>Layout (version 1): {@code "NEXOPRT1"}, target path (UTF), name (UTF), size (long), chunk size
 * (int), chunk hashes, then the bitmap, one bit per chunk, least significant bit first.
 */
final class PartialFileState {

    private static final byte[] MAGIC = "NEXOPRT1".getBytes(StandardCharsets.US_ASCII);

    /** What a state file says: the download's manifest, target, where its bitmap starts, and the bitmap. */
    record Parsed(FileManifest manifest, Path target, long bitmapOffset, BitSet held) {
    }

    private PartialFileState() {
    }

    /** State files of unfinished downloads in {@code stateDir} (empty when it does not exist). */
    static List<Path> list(Path stateDir) throws IOException {
        if (!Files.isDirectory(stateDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(stateDir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(PartialFile.STATE_SUFFIX)).sorted().toList();
        }
    }

    /**
     * Writes a new state file (empty bitmap) atomically: to a temporary file, forced, then moved
     * over {@code statePath}. Returns where the bitmap starts.
     */
    static long create(Path statePath, Path target, FileManifest m, ChannelOpener opener) throws IOException {
        byte[] header = header(target, m);
        Path tmp = statePath.resolveSibling(statePath.getFileName() + ".tmp");
        try (FileChannel out = opener.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(out, ByteBuffer.wrap(header), 0);
            writeFully(out, ByteBuffer.allocate(bitmapBytes(m)), header.length);
            out.force(true);
        }
        Files.move(tmp, statePath, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return header.length;
    }

    /** Reads and checks a state file. */
    static Parsed read(Path statePath) throws IOException {
        byte[] bytes = Files.readAllBytes(statePath);
        try {
            return parse(bytes);
        } catch (IOException | RuntimeException e) {
            throw new IOException("unreadable download state " + statePath + ": " + e.getMessage(), e);
        }
    }

    /** Rewrites the byte of the bitmap that holds chunk {@code index}'s bit. */
    static void writeBit(FileChannel state, long bitmapOffset, BitSet held, int index) throws IOException {
        int byteIndex = index >>> 3;
        byte b = 0;
        for (int bit = 0; bit < 8; bit++) {
            if (held.get(byteIndex * 8 + bit)) {
                b |= (byte) (1 << bit);
            }
        }
        writeFully(state, ByteBuffer.wrap(new byte[] {b}), bitmapOffset + byteIndex);
    }

    /** Rewrites the whole bitmap. */
    static void writeBitmap(FileChannel state, long bitmapOffset, BitSet held, FileManifest m) throws IOException {
        writeFully(state, ByteBuffer.wrap(Arrays.copyOf(held.toByteArray(), bitmapBytes(m))), bitmapOffset);
    }

    static void writeFully(FileChannel ch, ByteBuffer src, long position) throws IOException {
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

    private static Parsed parse(byte[] bytes) throws IOException {
        var in = new DataInputStream(new ByteArrayInputStream(bytes));
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
