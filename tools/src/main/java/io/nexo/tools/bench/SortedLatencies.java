package io.nexo.tools.bench;

/** Percentiles and tail shares of a benchmark's latencies, sorted ascending, in nanoseconds. */
final class SortedLatencies {

    private SortedLatencies() {
    }

    /** The fraction of {@code sorted} (ascending) strictly greater than {@code bound}; 0 when empty. */
    static double shareOver(long[] sorted, long bound) {
        if (sorted.length == 0) {
            return 0;
        }
        int lo = 0;
        int hi = sorted.length; // first index whose value exceeds bound, by binary search
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= bound) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return (double) (sorted.length - lo) / sorted.length;
    }

    /** The {@code q} quantile (0-1) of {@code sorted} (ascending nanoseconds), in milliseconds; 0 when empty. */
    static double millisAt(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }
}
