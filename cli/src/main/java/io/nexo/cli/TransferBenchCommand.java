package io.nexo.cli;

import io.nexo.tools.bench.CpuUse;
import io.nexo.tools.bench.TransferBench;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nexo bench transfer}: the raw TCP ceiling and a nexo download over TLS, side by side. */
@Command(name = "transfer",
        mixinStandardHelpOptions = true,
        header = "File download rate against a raw TCP copy of the same bytes.",
        sortOptions = false,
        description = {
                "Copies SIZE bytes over loopback with a plain TCP socket, memory to memory",
                "(the ceiling), then a SIZE-byte file into a new file the same way, then",
                "downloads the file with nexo over TLS from K seeders (after an unmeasured",
                "warm-up download), every node in this JVM, file and download on tmpfs.",
                "Prints the rates, the ratios and the CPU-seconds per GiB of the download."})
public final class TransferBenchCommand implements Callable<Integer> {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|K|M|G)?", Pattern.CASE_INSENSITIVE);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "1GiB",
            description = "Bytes to move, e.g. 512MiB or 1GiB (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--seeders", paramLabel = "K", defaultValue = "1",
            description = "Peers sharing the file (default: ${DEFAULT-VALUE}).")
    int seeders;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Scratch folder for the file and the download (default: /dev/shm when present, else the temp dir).")
    Path dir;

    @Option(names = "--upload-rate", paramLabel = "BYTES", defaultValue = "0",
            description = "Cap each seeder's upload, to make the link the limit (default: ${DEFAULT-VALUE}, no cap).")
    long uploadRate;

    @Option(names = "--relayed",
            description = "Download through a relay node: one seeder reserves on it, the downloader dials it as"
                    + " PEERID@relay:HOST:PORT; also prints how long the relayed session took to come up.")
    boolean relayed;

    @Option(names = "--warm-pages",
            description = "Right before the file copy and before the download, write and delete a scratch file of SIZE,"
                    + " so both write into memory the machine has backed already (on a VM whose host takes freed"
                    + " memory back, the first write to a page costs more than the copy).")
    boolean warmPages;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Logging.quietUnlessAsked();
        long bytes = parseSize(size);
        if (seeders < 1 || seeders > 16) {
            throw new UsageException("--seeders: " + seeders + " (expected: 1-16)");
        }
        if (relayed && seeders != 1) {
            throw new UsageException("--seeders: " + seeders + " (expected: 1 with --relayed)");
        }
        if (uploadRate < 0) {
            throw new UsageException("--upload-rate: " + uploadRate + " (expected: >= 0)");
        }
        Path work = dir != null ? dir : Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm")
                : Path.of(System.getProperty("java.io.tmpdir"));
        out.println("== transfer of " + size + " (" + bytes + " bytes), " + seeders + " seeder(s), scratch in " + work);
        out.flush();
        TransferBench.Result r = new TransferBench(new TransferBench.Params(bytes, seeders, work, uploadRate, relayed, warmPages), line -> {
            out.println("   " + line);
            out.flush();
        }).run();
        out.printf(Locale.ROOT, "raw TCP %.0f MiB/s | nexo (TLS %s, K=%d) %.0f MiB/s | ratio %.1f%% | chunks per seeder %s%n",
                r.rawBytesPerSecond() / (1L << 20), r.tlsProvider(), r.seeders(), r.nexoBytesPerSecond() / (1L << 20),
                r.ratio() * 100, r.chunksPerSeeder());
        out.printf(Locale.ROOT, "raw TCP file to new file %.0f MiB/s | nexo %.1f%% of it%n",
                r.rawFileBytesPerSecond() / (1L << 20), r.fileRatio() * 100);
        if (relayed) {
            out.printf(Locale.ROOT, "relayed: reservation granted %.0f ms after the seeder started, session up %.0f ms"
                            + " after the downloader started; %d bytes crossed the relay%n",
                    r.reservationNanos() / 1e6, r.relayedSessionNanos() / 1e6, r.relayedBytes());
        }
        TransferBench.MemoryPeaks m = r.memory();
        out.printf(Locale.ROOT, "memory during the download (whole JVM, all nodes): peak heap used %.0f MiB,"
                        + " Netty direct %s, JDK direct buffers %.0f MiB%n", m.heapUsed() / (double) (1L << 20),
                m.nettyDirect() < 0 ? "not counted" : String.format(Locale.ROOT, "%.0f MiB", m.nettyDirect() / (double) (1L << 20)),
                m.jdkDirect() / (double) (1L << 20));
        CpuUse cpu = r.cpu();
        out.printf(Locale.ROOT, "CPU during the download (whole JVM, all nodes): %.2f CPU-s, %.2f CPU-s/GiB%n",
                cpu.processNanos() / 1e9, cpu.secondsPerGib(r.size()));
        cpu.sortedGroups().entrySet().stream().filter(e -> e.getValue() >= 10_000_000L).forEach(e ->
                out.printf(Locale.ROOT, "   %-40s %.2f CPU-s/GiB%n", e.getKey(), e.getValue() / 1e9 / (r.size() / (double) (1L << 30))));
        return ExitCodes.OK;
    }

    static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw new UsageException("--size: '" + text + "' (expected: a number with an optional unit B, KiB, MiB or GiB)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        long mult = switch (unit.charAt(0)) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1;
        };
        if (n <= 0 || n > (64L << 30) / mult) {
            throw new UsageException("--size: '" + text + "' (expected: 1 byte to 64 GiB)");
        }
        return n * mult;
    }
}
