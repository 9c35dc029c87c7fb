package io.nexo.p2p.files;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node serves: shared files and the verified chunks of downloads in progress. Peers
 * can read only what is registered here, by file id and chunk index; there is no way to name a
 * path.
 *
 * <p>Sharing a directory shares every regular file below it (symbolic links are not followed,
 * hidden files and nexo's own {@code .nexo-part} files are skipped). Hashing streams each file,
 * so sharing a large tree takes time but no memory; call {@link #share} off the network threads.
 */
public final class ShareRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ShareRegistry.class);

    /** Deepest directory level walked when sharing a folder. */
    static final int MAX_DEPTH = 16;

    private final Map<FileId, ChunkSource> sources = new ConcurrentHashMap<>();

    /**
     * Shares a file, or every regular file below a directory. Returns what was added (files
     * already shared under the same id are returned too, not hashed twice per id).
     *
     * @throws IOException when {@code path} does not exist or cannot be read
     */
    public List<SharedFile> share(Path path) throws IOException {
        Path p = path.toAbsolutePath().normalize();
        if (!Files.exists(p)) {
            throw new java.nio.file.NoSuchFileException(p.toString(), null, "nothing to share");
        }
        List<SharedFile> added = new ArrayList<>();
        if (Files.isDirectory(p)) {
            List<Path> files;
            try (Stream<Path> walk = Files.walk(p, MAX_DEPTH, new FileVisitOption[0])) {
                files = walk.filter(f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                        .filter(f -> !isHiddenBelow(p, f))
                        .filter(f -> !f.getFileName().toString().endsWith(PartialFile.PART_SUFFIX))
                        .sorted(Comparator.naturalOrder())
                        .toList();
            }
            for (Path f : files) {
                added.add(shareFile(f));
            }
        } else {
            added.add(shareFile(p));
        }
        return added;
    }

    private SharedFile shareFile(Path file) throws IOException {
        SharedFile shared = SharedFile.open(file);
        ChunkSource previous = sources.putIfAbsent(shared.manifest().id(), shared);
        if (previous instanceof SharedFile existing) {
            shared.close();
            return existing;
        }
        if (previous != null) {
            // a partial download of the same content: the complete file serves everything
            sources.put(shared.manifest().id(), shared);
        }
        log.info("Sharing {} as {} ({} bytes, {} chunks)", shared.path(), shared.manifest().id().shortForm(),
                shared.manifest().size(), shared.manifest().chunkCount());
        return shared;
    }

    /** Registers a download in progress (or finished) as a source of the chunks it holds. */
    public void register(ChunkSource source) {
        FileId id = source.manifest().id();
        sources.merge(id, source, (old, neu) -> old instanceof SharedFile && !(neu instanceof SharedFile) ? old : neu);
    }

    /** Stops serving {@code id}; returns whether it was served. */
    public boolean unshare(FileId id) {
        ChunkSource removed = sources.remove(id);
        if (removed instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("Closing {} after unshare failed: {}", removed, e.toString());
            }
        }
        return removed != null;
    }

    /** Removes {@code source} only if it is still the one registered for its id. */
    public void unregister(ChunkSource source) {
        sources.remove(source.manifest().id(), source);
    }

    /** The source for {@code id}, if this node serves it. */
    public Optional<ChunkSource> source(FileId id) {
        return Optional.ofNullable(sources.get(id));
    }

    /** Every file served, complete or partial, ordered by name. */
    public List<ChunkSource> sources() {
        return sources.values().stream()
                .sorted(Comparator.comparing((ChunkSource s) -> s.manifest().name()).thenComparing(s -> s.manifest().id()))
                .toList();
    }

    @Override
    public void close() {
        for (FileId id : List.copyOf(sources.keySet())) {
            unshare(id);
        }
    }

    private static boolean isHiddenBelow(Path root, Path file) {
        for (Path part : root.relativize(file)) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }
}
