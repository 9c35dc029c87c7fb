package io.nexo.bench.latency;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.NoopAddressResolverGroup;
import io.nexo.core.transport.Transport;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Drives one open-loop run on a single event loop thread (pin the process with {@code taskset} as wrk
 * is pinned): each connection sends its requests at the times of the {@link Timeline}, one at a time,
 * and every answer is recorded in a {@link LatencyRecorder} against its due time. Sends are timed by
 * the event loop's scheduler, which on epoll wakes with nanosecond precision (timerfd): wrk2 rounds
 * every wait up to the next whole millisecond, and since latency counts from the due time, that
 * overshoot would land in every sample.
 */
public final class LoadGenerator {

    /** Time given to the connections of {@code keepalive} to open before request 0 is due. */
    private static final long CONNECT_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final LoadSpec spec;
    private final Transport transport;
    private final LongSupplier clock;

    /** A generator on the spec's transport (auto: epoll where available, else NIO), timed by {@link System#nanoTime()}. */
    public LoadGenerator(LoadSpec spec) {
        this(spec, spec.transport().equals("auto") ? Transport.best() : Transport.named(spec.transport()),
                System::nanoTime);
    }

    /** {@code clock} must be the clock of the event loop's scheduler ({@link System#nanoTime()}) in real runs. */
    LoadGenerator(LoadSpec spec, Transport transport, LongSupplier clock) {
        this.spec = spec;
        this.transport = transport;
        this.clock = clock;
    }

    /** Runs the whole schedule (warm-up, then the measured part) and returns what was measured. */
    public LoadResult run() throws InterruptedException {
        EventLoopGroup group = transport.newEventLoopGroup(1, "loadgen");
        // every write sends an unreleasable view of these bytes; the bytes themselves are freed at the end
        ByteBuf requestBytes = Unpooled.directBuffer().writeBytes(requestBytes());
        try {
            EventLoop loop = group.next();
            ByteBuf request = Unpooled.unreleasableBuffer(requestBytes);
            Bootstrap bootstrap = new Bootstrap().group(loop).channel(transport.socketChannelClass())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                    // resolved once here: a Bootstrap given a host name resolves it on every connect
                    .resolver(NoopAddressResolverGroup.INSTANCE)
                    .remoteAddress(resolve());
            // The warm-up is a run of its own, discarded: if the generator or the proxy falls behind
            // while their JITs compile, the measured run does not inherit that backlog.
            long warmedUp = 0;
            if (spec.warmupRequests() > 0) {
                warmedUp = runPhase(loop, bootstrap, request, spec.warmupRequests(), false).warmup();
            }
            LoadResult measured = runPhase(loop, bootstrap, request, spec.totalRequests() - spec.warmupRequests(), true);
            return measured.withWarmup(warmedUp);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            requestBytes.release();
        }
    }

    private LoadResult runPhase(EventLoop loop, Bootstrap bootstrap, ByteBuf request, long requests, boolean measured)
            throws InterruptedException {
        Run run = new Run(loop, bootstrap, request, requests, measured);
        loop.execute(run::start);
        long deadlineMillis = TimeUnit.NANOSECONDS.toMillis(CONNECT_GRACE_NANOS + requests * 1_000_000_000L / spec.rate()
                + spec.drain().toNanos()) + 1000;
        try {
            return run.done.get(deadlineMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return runOnLoop(loop, run::finishNow);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("load run failed: " + e.getCause(), e.getCause());
        }
    }

    private InetSocketAddress resolve() {
        try {
            return new InetSocketAddress(InetAddress.getByName(spec.host()), spec.port());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("host: " + spec.host() + " (" + e.getMessage() + ")", e);
        }
    }

    private static LoadResult runOnLoop(EventLoop loop, java.util.function.Supplier<LoadResult> task)
            throws InterruptedException {
        try {
            return loop.submit(task::get).get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not stop the load run: " + e, e);
        }
    }

    private byte[] requestBytes() {
        String close = spec.mode() == LoadSpec.Mode.NEWCONN ? "Connection: close\r\n" : "";
        return ("GET " + spec.path() + " HTTP/1.1\r\nHost: " + spec.host() + ":" + spec.port() + "\r\n"
                + close + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The state of one run; touched only on the event loop. */
    private final class Run {
        final EventLoop loop;
        final Bootstrap bootstrap;
        final ByteBuf request;
        final long requests;
        final boolean measured;
        final CompletableFuture<LoadResult> done = new CompletableFuture<>();
        final List<Slot> slots = new ArrayList<>();
        Timeline timeline;
        LatencyRecorder recorder;
        int finishedSlots;

        Run(EventLoop loop, Bootstrap bootstrap, ByteBuf request, long requests, boolean measured) {
            this.loop = loop;
            this.bootstrap = bootstrap;
            this.request = request;
            this.requests = requests;
            this.measured = measured;
        }

        void start() {
            long start = clock.getAsLong() + CONNECT_GRACE_NANOS;
            timeline = new Timeline(start, spec.rate(), spec.connections(), requests);
            // a warm-up run records nothing: every request is due before "measure from"
            recorder = new LatencyRecorder(measured ? start : Long.MAX_VALUE);
            for (int c = 0; c < spec.connections(); c++) {
                Slot slot = new Slot(this, new Pacer(timeline, c));
                slots.add(slot);
                if (spec.mode() == LoadSpec.Mode.KEEPALIVE) {
                    slot.connect();
                }
                slot.scheduleNext();
            }
            // whatever is still outstanding this long after the last due time is recorded as unfinished
            long stopAt = timeline.lastDueNanos() + spec.drain().toNanos();
            loop.schedule(() -> {
                if (!done.isDone()) {
                    done.complete(finishNow());
                }
            }, stopAt - clock.getAsLong(), TimeUnit.NANOSECONDS);
        }

        void slotFinished() {
            if (++finishedSlots == slots.size() && !done.isDone()) {
                done.complete(result());
            }
        }

        LoadResult finishNow() {
            long now = clock.getAsLong();
            for (Slot slot : slots) {
                slot.abandon(now);
            }
            return result();
        }

        LoadResult result() {
            return new LoadResult(spec, recorder, transport.name());
        }
    }

    /** One connection of the timeline (in {@code newconn}, one connection after another). */
    private final class Slot extends ChannelInboundHandlerAdapter {
        final Run run;
        final Pacer pacer;
        final ResponseParser parser = new ResponseParser();
        Channel channel;
        /** newconn: the previous connection, answered, while the server has not closed it yet. */
        Channel lingering;
        /** Due and send time of the request in flight; {@code inFlight} false between requests. */
        long due;
        long sentAt;
        boolean inFlight;
        boolean writeWhenActive;
        boolean finished;

        Slot(Run run, Pacer pacer) {
            this.run = run;
            this.pacer = pacer;
        }

        ChannelFuture connect() {
            ChannelFuture f = run.bootstrap.clone().handler(this).connect();
            channel = f.channel();
            if (spec.mode() == LoadSpec.Mode.KEEPALIVE) {
                // a request sent while this connection was opening waits for channelActive, which never
                // comes when the connect fails: fail it here, or the slot stalls until the run ends
                f.addListener((ChannelFuture done) -> {
                    if (!done.isSuccess() && done.channel() == channel && writeWhenActive) {
                        fail();
                    }
                });
            }
            return f;
        }

        @Override
        public boolean isSharable() {
            return true; // newconn: one slot serves its connections one after another
        }

        void scheduleNext() {
            if (pacer.finished()) {
                finish();
                return;
            }
            long delay = pacer.delayNanos(clock.getAsLong());
            if (delay > 0) {
                run.loop.schedule(this::send, delay, TimeUnit.NANOSECONDS);
            } else {
                send();
            }
        }

        void send() {
            if (finished) {
                return;
            }
            due = pacer.take();
            sentAt = clock.getAsLong();
            inFlight = true;
            if (spec.mode() == LoadSpec.Mode.NEWCONN) {
                if (lingering != null) {
                    lingering.close();
                    lingering = null;
                }
                connect().addListener((ChannelFuture f) -> {
                    if (f.isSuccess()) {
                        f.channel().writeAndFlush(run.request.duplicate(), f.channel().voidPromise());
                    } else {
                        fail();
                    }
                });
            } else if (channel.isActive()) {
                channel.writeAndFlush(run.request.duplicate(), channel.voidPromise());
            } else if (channel.isOpen()) {
                writeWhenActive = true; // still connecting (the first request, or after a reconnect)
            } else {
                fail();
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (writeWhenActive && ctx.channel() == channel) {
                writeWhenActive = false;
                channel.writeAndFlush(run.request.duplicate(), channel.voidPromise());
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                while (buf.isReadable() && inFlight) {
                    if (parser.feed(buf) == ResponseParser.Result.COMPLETE) {
                        answered(ctx.channel());
                    }
                }
            } catch (IllegalStateException e) {
                fail();
            } finally {
                buf.release();
            }
        }

        private void answered(Channel ch) {
            long now = clock.getAsLong();
            inFlight = false;
            if (parser.status() / 100 == 2) {
                run.recorder.completed(due, sentAt, now);
            } else {
                run.recorder.failed(due);
            }
            if (spec.mode() == LoadSpec.Mode.NEWCONN) {
                // the server closes (the request said Connection: close), so TIME_WAIT lands on its side
                // as with a browser; were the generator to close first, the loopback's ephemeral ports
                // would soon all sit in TIME_WAIT and every connect would search for a free one. One
                // connection per slot may linger: it is closed when the slot opens its next one.
                lingering = ch;
            }
            scheduleNext();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() != channel || finished) {
                return;
            }
            if (inFlight) {
                if (parser.endsAtClose()) {
                    answered(ctx.channel());
                    return;
                }
                fail();
            }
            if (spec.mode() == LoadSpec.Mode.KEEPALIVE && !finished) {
                connect(); // the server closed a keep-alive connection: carry on over a new one
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        /** The request in flight failed: count it, drop the connection (keepalive reopens it), go on. */
        private void fail() {
            if (!inFlight) {
                return;
            }
            inFlight = false;
            writeWhenActive = false;
            parser.endsAtClose();
            run.recorder.failed(due);
            if (spec.mode() == LoadSpec.Mode.KEEPALIVE) {
                Channel old = channel;
                connect();
                old.close();
            }
            // not a direct call: with a dead server and the schedule behind, send and fail would recurse
            run.loop.execute(this::scheduleNext);
        }

        private void finish() {
            if (!finished) {
                finished = true;
                if (channel != null) {
                    channel.close();
                }
                if (lingering != null) {
                    lingering.close();
                }
                run.slotFinished();
            }
        }

        /** The run's time is up: what is in flight or not yet sent is recorded as unfinished. */
        void abandon(long now) {
            if (finished) {
                return;
            }
            if (inFlight) {
                run.recorder.unfinished(due, now);
                inFlight = false;
            }
            while (!pacer.finished()) {
                run.recorder.unfinished(pacer.take(), now);
            }
            finish();
        }
    }
}
