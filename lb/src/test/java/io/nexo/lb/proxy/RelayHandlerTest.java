package io.nexo.lb.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RelayHandler#closeOnFlush} and {@link RelayHandler#nothingToFlush}: a channel with nothing
 * queued is closed at once, without the empty write (on io_uring a zero-length send to the kernel)
 * that flushes a channel which still holds bytes.
 */
class RelayHandlerTest {

    @Test
    void aChannelWithNothingQueuedClosesWithoutAnEmptyWrite() {
        EmbeddedChannel ch = new EmbeddedChannel();
        assertThat(RelayHandler.nothingToFlush(ch)).isTrue();

        RelayHandler.closeOnFlush(ch);

        assertThat(ch.isOpen()).isFalse();
        assertThat((Object) ch.readOutbound()).as("writes that reached the transport").isNull();
    }

    @Test
    void bytesWrittenButNotFlushedAreFlushedBeforeTheClose() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.write(Unpooled.copiedBuffer("PROXY header", StandardCharsets.US_ASCII));
        assertThat(RelayHandler.nothingToFlush(ch)).isFalse();

        RelayHandler.closeOnFlush(ch);

        assertThat(ch.isOpen()).isFalse();
        ByteBuf sent = ch.readOutbound();
        assertThat(sent.toString(StandardCharsets.US_ASCII)).isEqualTo("PROXY header");
        sent.release();
    }

    @Test
    void aTlsChannelIsFlushedThroughItsHandlerEvenWithAnEmptyBuffer() throws Exception {
        // SslHandler queues writes of its own during the handshake: only a flush through the pipeline
        // can tell, so the shortcut is never taken with one in the pipeline
        SslHandler tls = SslContextBuilder.forClient().build().newHandler(ByteBufAllocator.DEFAULT);
        EmbeddedChannel ch = new EmbeddedChannel(tls);
        Object hello;
        while ((hello = ch.readOutbound()) != null) {
            ReferenceCountUtil.release(hello); // the ClientHello the handler sent on activation
        }

        assertThat(RelayHandler.nothingToFlush(ch)).isFalse();
        ch.close();
    }
}
