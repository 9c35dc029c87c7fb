package io.nexo.cli.peer;

import io.nexo.p2p.files.DownloadProgress;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.SharedFile;
import io.nexo.p2p.files.net.FileEvents;
import io.nexo.p2p.files.net.FileExchange;
import io.nexo.p2p.files.net.FileLimitCounters;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The file commands of the {@code nexo peer} console ({@code /share}, {@code /files}, {@code /get},
 * {@code /downloads}, {@code /cancel}, {@code /limits}) and the printing of file events: a progress line per
 * download each second for people, {@code shared}, {@code files}, {@code file-progress},
 * {@code file-complete} and {@code file-failed} objects in {@code --json} mode.
 */
final class FileConsole implements FileEvents {

    static final String HELP = String.join("\n",
            "  /share PATH                  share a file, or every file in a folder, with the network",
            "  /files                       list the files the network offers (name, size, id, peers)",
            "  /get ID [DEST]               download a file (ID or its first digits, as /files shows)",
            "  /downloads                   downloads in progress",
            "  /cancel ID                   stop a download and delete its partial file",
            "  /limits                      how often each limit triggered (session, resources, gossip, files)");

    private final ConsoleIO io;
    private final EventFormat format;
    private volatile FileExchange files;

    FileConsole(ConsoleIO io, EventFormat format) {
        this.io = io;
        this.format = format;
    }

    void attach(FileExchange exchange) {
        this.files = exchange;
    }

    /** Handles {@code line} when it is a file command; false when it is not one. */
    boolean handle(String line) {
        String[] parts = line.strip().split("\\s+", 3);
        switch (parts[0]) {
            case "/share" -> {
                if (parts.length < 2) {
                    io.println(format.error("usage: /share PATH"));
                } else {
                    share(Path.of(line.strip().substring("/share".length()).strip()));
                }
            }
            case "/files" -> io.println(filesList(files.files()));
            case "/get" -> {
                if (parts.length < 2) {
                    io.println(format.error("usage: /get ID [DEST]"));
                } else {
                    get(parts[1], parts.length > 2 ? Optional.of(Path.of(parts[2])) : Optional.empty());
                }
            }
            case "/downloads" -> io.println(downloadsList(files.downloads()));
            case "/limits" -> io.println(limitsList(files.limitCounters().snapshot()));
            case "/cancel" -> {
                if (parts.length < 2) {
                    io.println(format.error("usage: /cancel ID"));
                } else {
                    cancel(parts[1]);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Shares {@code path} off the console thread: hashing a large file takes a while. */
    CompletableFuture<Void> share(Path path) {
        return CompletableFuture.runAsync(() -> {
            try {
                if (files.share(path).isEmpty()) {
                    io.println(format.error("nothing to share in " + path));
                }
            } catch (Exception e) {
                io.println(format.error("cannot share " + path + ": " + message(e)));
            }
        });
    }

    private void get(String idText, Optional<Path> dest) {
        FileId id;
        try {
            id = files.resolve(idText);
        } catch (IllegalArgumentException e) {
            io.println(format.error(e.getMessage()));
            return;
        }
        files.get(id, dest).whenComplete((session, err) -> {
            if (err != null) {
                io.println(format.error("cannot download " + id.shortForm() + ": " + PeerConsole.unwrap(err)));
                return;
            }
            var m = session.manifest();
            io.println(format.json()
                    ? Json.object(EventFormat.map("event", "file-started", "id", id.hex(), "name", m.name(),
                            "size", m.size(), "path", session.partialFile().target().toString()))
                    : "downloading " + EventFormat.safe(m.name()) + " (" + size(m.size()) + ") into " + session.partialFile().target());
        });
    }

    private void cancel(String idText) {
        try {
            FileId id = files.resolve(idText);
            if (files.cancel(id)) {
                io.println(format.json() ? Json.object(EventFormat.map("event", "file-cancelled", "id", id.hex()))
                        : "cancelled " + id.shortForm() + "; its partial file is deleted");
            } else {
                io.println(format.error("no download of " + id.shortForm() + " in progress"));
            }
        } catch (IllegalArgumentException e) {
            io.println(format.error(e.getMessage()));
        }
    }

    // ------------------------------------------------------------------ events

    @Override
    public void onShared(SharedFile file) {
        var m = file.manifest();
        io.println(format.json()
                ? Json.object(EventFormat.map("event", "shared", "id", m.id().hex(), "name", m.name(), "size", m.size(),
                        "path", file.path().toString()))
                : "sharing " + EventFormat.safe(m.name()) + " (" + size(m.size()) + ") id " + m.id().hex());
    }

    @Override
    public void onProgress(DownloadProgress p) {
        io.println(format.json() ? Json.object(progressFields("file-progress", p)) : progressLine(p));
    }

    @Override
    public void onComplete(FileId id, String name, Path path) {
        io.println(format.json()
                ? Json.object(EventFormat.map("event", "file-complete", "id", id.hex(), "name", name,
                        "path", path.toString()))
                : "done: " + EventFormat.safe(name) + " -> " + path + " (SHA-256 verified)");
    }

    @Override
    public void onFailed(FileId id, String name, String reason) {
        io.println(format.json()
                ? Json.object(EventFormat.map("event", "file-failed", "id", id.hex(), "name", name, "reason", reason))
                : "! download of " + EventFormat.safe(name) + " stopped: " + EventFormat.safe(reason));
    }

    // ------------------------------------------------------------------ formatting

    private String filesList(List<FileExchange.Offer> offers) {
        if (format.json()) {
            return Json.object(EventFormat.map("event", "files", "files", offers.stream().map(o -> (Object)
                    EventFormat.map("id", o.id().hex(), "name", o.name(), "size", o.size(), "peers", o.peers(),
                            "local", o.local())).toList()));
        }
        if (offers.isEmpty()) {
            return "no files offered yet (/share PATH offers one)";
        }
        StringBuilder sb = new StringBuilder(offers.size() + " file(s):");
        for (FileExchange.Offer o : offers) {
            sb.append(String.format(Locale.ROOT, "%n  %-12s  %10s  %2d peer(s)  %s%s", o.id().shortForm(),
                    size(o.size()), o.peers(), EventFormat.safe(o.name()), o.local() ? "  (shared here)" : ""));
        }
        return sb.toString();
    }

    private String downloadsList(List<DownloadProgress> downloads) {
        if (format.json()) {
            return Json.object(EventFormat.map("event", "downloads", "downloads",
                    downloads.stream().map(p -> (Object) progressFields(null, p)).toList()));
        }
        if (downloads.isEmpty()) {
            return "no downloads in progress";
        }
        StringBuilder sb = new StringBuilder(downloads.size() + " download(s):");
        downloads.forEach(p -> sb.append("\n  ").append(progressLine(p)));
        return sb.toString();
    }

    private String limitsList(Map<FileLimitCounters.Limit, Long> counts) {
        if (format.json()) {
            Map<String, Object> byName = EventFormat.map();
            counts.forEach((limit, n) -> byName.put(limit.name(), n));
            return Json.object(EventFormat.map("event", "file-limits", "counts", byName));
        }
        StringBuilder sb = new StringBuilder("file exchange limits triggered since start:");
        counts.forEach((limit, n) -> sb.append(String.format("%n  %-18s %8d  %s", limit, n, limit.meaning())));
        return sb.toString();
    }

    private static Map<String, Object> progressFields(String event, DownloadProgress p) {
        Map<String, Object> m = event == null ? EventFormat.map() : EventFormat.map("event", event);
        m.put("id", p.id().hex());
        m.put("name", p.name());
        m.put("size", p.size());
        m.put("bytes", p.bytesDone());
        m.put("percent", Math.round(p.percent() * 10) / 10.0);
        m.put("bytesPerSecond", Math.round(p.bytesPerSecond()));
        m.put("etaSeconds", p.etaSeconds());
        m.put("peers", p.peers());
        m.put("state", p.state().name().toLowerCase(Locale.ROOT));
        return m;
    }

    /** {@code [#########-----------]  45.0%  12.3 MiB/s  ETA 0:07  name  (3 peers)} */
    static String progressLine(DownloadProgress p) {
        int width = 20;
        int filled = (int) Math.min(width, Math.round(p.percent() / 100 * width));
        String eta = p.etaSeconds() < 0 ? "--:--" : String.format(Locale.ROOT, "%d:%02d", p.etaSeconds() / 60,
                p.etaSeconds() % 60);
        return String.format(Locale.ROOT, "[%s%s] %5.1f%%  %9s/s  ETA %s  %s  (%d peer%s)", "#".repeat(filled),
                "-".repeat(width - filled), p.percent(), size((long) p.bytesPerSecond()), eta, EventFormat.safe(p.name()), p.peers(),
                p.peers() == 1 ? "" : "s");
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String message(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
