package io.nexo.p2p.files;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Checks file names that arrive from the network before they touch the disk. A name is one
 * path element that stays inside the target folder on Linux, macOS and Windows alike:
 *
 * <ul>
 *   <li>not empty, at most {@value #MAX_BYTES} UTF-8 bytes (the usual file system limit);</li>
 *   <li>no path separators ({@code /} or {@code \}), no drive or stream colon, no NUL, no control
 *       or Unicode direction-override characters (which disguise an extension);</li>
 *   <li>not {@code .} or {@code ..}, no leading dot (hidden files such as {@code .bashrc}, and
 *       tricks like {@code ...}), no trailing dot or space (Windows strips them);</li>
 *   <li>not a Windows device name ({@code CON}, {@code NUL}, {@code COM1}, {@code LPT9}...), with
 *       or without an extension, and none of {@code < > " | ? *}.</li>
 * </ul>
 *
 * <p>{@link #resolveInside} also checks the resolved path, as a second line of defence.
 */
public final class SafeFileName {

    /** Longest accepted name in UTF-8 bytes (ext4, XFS, APFS and NTFS allow 255). */
    public static final int MAX_BYTES = 255;

    private static final Set<String> DEVICE_NAMES = Set.of(
            "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
            "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
            "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9");

    private SafeFileName() {
    }

    /**
     * Returns {@code name} when it is safe to create in a folder.
     *
     * @throws IllegalArgumentException saying what is wrong, with a printable form of the name
     */
    public static String check(String name) {
        Objects.requireNonNull(name, "name");
        String why = problem(name);
        if (why != null) {
            throw new IllegalArgumentException("file name '" + FileId.printable(name) + "': " + why);
        }
        return name;
    }

    /** True when {@link #check} would accept {@code name}. */
    public static boolean isSafe(String name) {
        return name != null && problem(name) == null;
    }

    /**
     * Resolves a checked name inside {@code dir} and verifies the result is a direct child of it.
     */
    public static Path resolveInside(Path dir, String name) {
        check(name);
        Path base = dir.toAbsolutePath().normalize();
        Path resolved = base.resolve(name).normalize();
        if (!base.equals(resolved.getParent())) {
            throw new IllegalArgumentException("file name '" + FileId.printable(name)
                    + "': escapes " + base);
        }
        return resolved;
    }

    /**
     * Turns a local file name into one that {@link #check} accepts, for sharing files whose own
     * names other systems could not create: unsafe characters become {@code _}, leading dots
     * and trailing dots or spaces are dropped, device names get a {@code _} prefix, and overlong
     * names are cut (keeping the extension when it is short).
     */
    public static String sanitize(String name) {
        Objects.requireNonNull(name, "name");
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean bad = c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || "/\\<>:\"|?*".indexOf(c) >= 0
                    || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e
                    || c == 0x200f || c == 0x061c;
            b.append(bad ? '_' : c);
        }
        String s = b.toString();
        int start = 0;
        while (start < s.length() && s.charAt(start) == '.') {
            start++;
        }
        int end = s.length();
        while (end > start && (s.charAt(end - 1) == '.' || s.charAt(end - 1) == ' ')) {
            end--;
        }
        s = s.substring(start, end);
        if (s.isEmpty()) {
            s = "file";
        }
        int dot = s.indexOf('.');
        String stem = (dot < 0 ? s : s.substring(0, dot)).strip().toUpperCase(Locale.ROOT);
        if (DEVICE_NAMES.contains(stem)) {
            s = "_" + s;
        }
        while (s.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            int ext = s.lastIndexOf('.');
            if (ext > 0 && s.length() - ext <= 16) {
                s = s.substring(0, ext - 1) + s.substring(ext);
            } else {
                s = s.substring(0, s.length() - 1);
            }
        }
        return check(s);
    }

    private static String problem(String name) {
        if (name.isEmpty()) {
            return "empty";
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return "longer than " + MAX_BYTES + " bytes";
        }
        if (name.equals(".") || name.equals("..")) {
            return "refers to a folder";
        }
        if (name.charAt(0) == '.') {
            return "starts with a dot (hidden file)";
        }
        char last = name.charAt(name.length() - 1);
        if (last == '.' || last == ' ') {
            return "ends with a dot or a space";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\') {
                return "contains a path separator";
            }
            if (c == 0) {
                return "contains NUL";
            }
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                return "contains a control character";
            }
            if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e
                    || c == 0x200f || c == 0x061c) {
                return "contains a text-direction control character";
            }
            if ("<>:\"|?*".indexOf(c) >= 0) {
                return "contains '" + c + "' (not allowed in file names on Windows)";
            }
        }
        int dot = name.indexOf('.');
        String stem = (dot < 0 ? name : name.substring(0, dot)).strip().toUpperCase(Locale.ROOT);
        if (DEVICE_NAMES.contains(stem)) {
            return "is a device name";
        }
        return null;
    }
}
