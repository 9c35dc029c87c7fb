package io.nexo.lb.proxy;

import io.netty.channel.Channel;
import io.nexo.lb.backend.Backend;

/** The backend side of a proxied connection: relays what the backend sends to the client. */
final class BackendHandler extends RelayHandler {

    private final Backend backend;

    BackendHandler(Channel frontend, Backend backend, ConnectionRecord record) {
        super(record);
        this.peer = frontend;
        this.backend = backend;
    }

    @Override
    void countBytes(long n) {
        backend.stats().addBytesOut(n);
    }

    @Override
    String side() {
        return "backend";
    }

    @Override
    String closedReason() {
        return "backend closed";
    }

    Backend backend() {
        return backend;
    }

    @Override
    String describe(Channel self) {
        return "backend " + backend + " (client " + peer.remoteAddress() + ")";
    }
}
