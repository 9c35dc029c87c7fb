package io.nexo.p2p.files;

import java.io.IOException;

/**
 * The disk holding a download is full. The partial file and its state are kept: free some space
 * and fetch the same id again to resume.
 */
public final class DiskFullException extends IOException {

    DiskFullException(String message, Throwable cause) {
        super(message, cause);
    }

    /** True when {@code e} is the operating system's "no space" error (ENOSPC or EDQUOT). */
    static boolean isNoSpace(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded")
                    || m.contains("There is not enough space on the disk"))) {
                return true;
            }
        }
        return false;
    }
}
