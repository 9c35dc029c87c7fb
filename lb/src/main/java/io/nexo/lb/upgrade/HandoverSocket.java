package io.nexo.lb.upgrade;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * What both ends of a hand-over check about the UNIX socket and the peer: the socket's directory is
 * the current user's and closed to everyone else, and the process at the other end runs as the same
 * user. Whoever may connect to the socket may take the balancer's listening ports.
 */
final class HandoverSocket {

    /** The request a successor sends first: answer with the listening sockets, then close. */
    static final String LISTENERS = "LISTENERS";
    /** The request a successor sends once it accepts on them: stop accepting, drain, exit. */
    static final String DRAIN = "DRAIN";
    /** Longest request line accepted. */
    static final int MAX_REQUEST = 32;
    /** Most listening sockets handed over at once. */
    static final int MAX_LISTENERS = 256;

    private HandoverSocket() {
    }

    /** This process's user id (the owner of {@code /proc/self}). */
    static int ownUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    /**
     * Refuses a socket whose directory another user owns or may enter: between bind and chmod the
     * socket exists with the umask's mode, and only the directory keeps others out in that window.
     */
    static void checkDirectory(Path socket) throws IOException {
        Path dir = socket.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("handover socket " + socket + ": directory " + dir + " does not exist");
        }
        int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != ownUid()) {
            throw new IOException("handover socket " + socket + ": directory " + dir + " belongs to uid " + owner
                    + " (expected: this user's own directory, mode 0700)");
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        for (PosixFilePermission p : perms) {
            if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
                throw new IOException("handover socket " + socket + ": directory " + dir + " is open to others ("
                        + java.nio.file.attribute.PosixFilePermissions.toString(perms)
                        + "; expected: rwx------, e.g. mkdir -m 700)");
            }
        }
    }

    /** True when a process accepts connections on {@code socket} now. */
    static boolean answers(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return false;
        }
    }
}
