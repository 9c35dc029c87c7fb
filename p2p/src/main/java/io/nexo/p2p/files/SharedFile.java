package io.nexo.p2p.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/**
 * A complete local file this node shares. The file is never copied: chunks are read from it by
 * position when a peer asks. If its size or modification time changes after it was hashed, reads
 * fail (peers would otherwise receive bytes that no longer match the manifest).
 */
public final class SharedFile implements ChunkSource, AutoCloseable {

    private final Path path;
    private final FileManifest manifest;
    private final FileTime modifiedAtHash;
    private FileChannel channel;

    private SharedFile(Path path, FileManifest manifest, FileTime modifiedAtHash) {
        this.path = path;
        this.manifest = manifest;
        this.modifiedAtHash = modifiedAtHash;
    }

    /** Hashes {@code file} (streaming) and returns it ready to serve. */
    public static SharedFile open(Path file) throws IOException {
        Path p = file.toAbsolutePath().normalize();
        BasicFileAttributes before = Files.readAttributes(p, BasicFileAttributes.class);
        if (!before.isRegularFile()) {
            throw new IOException("not a regular file: " + p);
        }
        FileManifest m = FileHasher.hash(p, SafeFileName.sanitize(p.getFileName().toString()),
                FileManifest.chunkSizeFor(before.size()));
        BasicFileAttributes after = Files.readAttributes(p, BasicFileAttributes.class);
        if (after.size() != m.size() || !after.lastModifiedTime().equals(before.lastModifiedTime())) {
            throw new IOException("file changed while it was being hashed: " + p);
        }
        return new SharedFile(p, m, after.lastModifiedTime());
    }

    /** A file whose manifest is already known (a finished download: verified as it was written). */
    public static SharedFile openVerified(Path file, FileManifest manifest) throws IOException {
        Path p = file.toAbsolutePath().normalize();
        return new SharedFile(p, manifest, Files.getLastModifiedTime(p));
    }

    public Path path() {
        return path;
    }

    @Override
    public FileManifest manifest() {
        return manifest;
    }

    @Override
    public boolean hasChunk(int index) {
        return index >= 0 && index < manifest.chunkCount();
    }

    @Override
    public int chunksHeld() {
        return manifest.chunkCount();
    }

    @Override
    public synchronized Slice slice(int index) throws IOException {
        if (!hasChunk(index)) {
            throw new IOException("chunk " + index + " out of range for " + manifest);
        }
        if (channel == null || !channel.isOpen()) {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        }
        if (channel.size() != manifest.size() || !Files.getLastModifiedTime(path).equals(modifiedAtHash)) {
            throw new FileChangedException(path);
        }
        return new Slice(channel, manifest.chunkOffset(index), manifest.chunkLength(index));
    }

    @Override
    public synchronized void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    @Override
    public String toString() {
        return "SharedFile[" + path + ", " + manifest.id().shortForm() + "]";
    }

    /** The shared file was modified after it was hashed: it must be shared again. */
    public static final class FileChangedException extends IOException {
        FileChangedException(Path path) {
            super("shared file changed since it was hashed: " + path + " (share it again)");
        }
    }
}
