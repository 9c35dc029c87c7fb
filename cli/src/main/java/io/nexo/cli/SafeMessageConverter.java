package io.nexo.cli;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.nexo.core.text.Printable;

/**
 * Logback's {@code %safemsg}: the formatted log message with control characters escaped
 * ({@link Printable}), so a name, text or file name a peer sent cannot forge log lines or send
 * terminal escapes to whoever reads the log.
 */
public final class SafeMessageConverter extends ClassicConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return Printable.escape(event.getFormattedMessage());
    }
}
