package io.nexo.lb.soak;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What this JVM holds right now, read from {@code /proc/self}: the numbers soak tests compare. */
public final class ProcessResources {

    private ProcessResources() {
    }

    /** Whether {@code /proc/self/fd} can be read (Linux); soak tests assume it. */
    public static boolean available() {
        return Files.isDirectory(Path.of("/proc/self/fd"));
    }

    /** Open file descriptors of this process (sockets, files, epoll and event fds). */
    public static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd", e);
        }
    }
}
