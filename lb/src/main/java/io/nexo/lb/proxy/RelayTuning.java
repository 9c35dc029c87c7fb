package io.nexo.lb.proxy;

import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;

/**
 * The buffer sizes of the data path, in one place. They bound memory per connection and set the copy
 * granularity; docs/benchmarks.md records how they were chosen.
 */
public final class RelayTuning {

    /** Bytes asked of the kernel per read (and the size of each pooled buffer read into). */
    public static final int READ_BUFFER_BYTES = 32 * 1024;

    /** Reads per batch before other connections on the loop get their turn (Netty's default). */
    public static final int READS_PER_BATCH = 16;

    /**
     * Fixed-size reads: 32 KiB per read keeps each buffer in the CPU cache from the kernel's copy in to
     * its copy out (it is sent at once), which measured cheaper per byte than Netty's adaptive sizes up
     * to 64 KiB; a small request still costs one read. Shared: each channel gets its own handle.
     */
    public static final RecvByteBufAllocator READ_BUFFERS =
            new FixedRecvByteBufAllocator(READ_BUFFER_BYTES).maxMessagesPerRead(READS_PER_BATCH);

    /**
     * Per-direction buffering bound: a side stops reading once this much is unsent to the slower side
     * and resumes below the low mark. 64 KiB (Netty's default) keeps a socket busy while thousands of
     * stalled connections stay cheap: at most 64 KiB + one batch (16 x 32 KiB) per direction.
     */
    public static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    private RelayTuning() {
    }
}
