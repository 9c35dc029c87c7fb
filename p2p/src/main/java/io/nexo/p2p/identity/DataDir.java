package io.nexo.p2p.identity;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Creates a node's data directory readable by its owner only (mode 0700, as ~/.ssh). */
public final class DataDir {

    private DataDir() {
    }

    /** Creates {@code dir} (and missing parents) with mode 0700 where the file system has modes; an existing one is left as it is. */
    public static Path create(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return dir;
        }
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Path parent = dir.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            // created with 0700 at once (the umask can only remove bits), never widened later
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(dir)) {
                    throw e;
                } // another process made it meanwhile
            }
            return dir;
        }
        return Files.createDirectories(dir);
    }
}
