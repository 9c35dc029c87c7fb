package io.nexo.core.transport;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;

/**
 * Works around a Netty 4.2 epoll bug that breaks half-closed connections.
 *
 * <p>When a channel's interest set becomes empty, Netty 4.2.18's {@code EpollIoHandler} removes the
 * descriptor from epoll ({@code EPOLL_CTL_DEL}) but keeps the registration marked as added, so the
 * next interest change is an {@code EPOLL_CTL_MOD} that fails with {@code ENOENT}. A proxied
 * connection gets there as soon as one side has sent FIN (no more reads) and nothing waits to be
 * written: the next write that fills the socket buffer then needs {@code EPOLLOUT}, fails, and Netty
 * shuts the channel's output, losing the rest of the stream in the other direction.
 *
 * <p>This wrapper never lets the interest set reach zero: it submits {@code EPOLLET} alone instead,
 * which keeps the descriptor registered while reporting nothing but a hang-up or error, once (edge
 * triggered), which is what Netty's removal was meant to prevent from repeating. Every other call
 * goes straight to Netty's handler.
 */
final class EpollStayRegisteredIoHandler implements IoHandler {

    private final IoHandler delegate;

    private EpollStayRegisteredIoHandler(IoHandler delegate) {
        this.delegate = delegate;
    }

    /** Netty's epoll handler factory, wrapped. */
    static IoHandlerFactory newFactory() {
        IoHandlerFactory epoll = EpollIoHandler.newFactory();
        return executor -> new EpollStayRegisteredIoHandler(epoll.newHandler(executor));
    }

    @Override
    public void initialize() {
        delegate.initialize();
    }

    @Override
    public int run(IoHandlerContext context) {
        return delegate.run(context);
    }

    @Override
    public void prepareToDestroy() {
        delegate.prepareToDestroy();
    }

    @Override
    public void destroy() {
        delegate.destroy();
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return new StayRegistered(delegate.register(handle));
    }

    @Override
    public void wakeup() {
        delegate.wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return delegate.isCompatible(handleType);
    }

    private static final class StayRegistered implements IoRegistration {
        private final IoRegistration registration;

        StayRegistered(IoRegistration registration) {
            this.registration = registration;
        }

        @Override
        public <T> T attachment() {
            return registration.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            if (ops instanceof EpollIoOps epollOps && epollOps.value() == 0) {
                ops = EpollIoOps.EPOLLET;
            }
            return registration.submit(ops);
        }

        @Override
        public boolean isValid() {
            return registration.isValid();
        }

        @Override
        public boolean cancel() {
            return registration.cancel();
        }
    }
}
