package io.nexo.p2p.node;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Records what a logger (and its children) logs during each test, so tests can assert that a limit
 * or a rejection was logged, and how often. Use as
 * {@code @RegisterExtension final LogCapture logs = new LogCapture("io.nexo.p2p");}.
 */
public final class LogCapture implements BeforeEachCallback, AfterEachCallback {

    private final String loggerName;
    private ListAppender<ILoggingEvent> appender;

    public LogCapture(String loggerName) {
        this.loggerName = loggerName;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        appender = new ListAppender<>();
        appender.start();
        logger().addAppender(appender);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        logger().detachAppender(appender);
        appender.stop();
    }

    /** The formatted messages logged so far in this test, oldest first. */
    public List<String> messages() {
        // AppenderBase.doAppend holds the appender's lock while it adds to the list
        synchronized (appender) {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    /** The threads that logged the messages containing {@code fragment}, oldest first. */
    public List<String> threadsOf(String fragment) {
        synchronized (appender) {
            return appender.list.stream().filter(e -> e.getFormattedMessage().contains(fragment))
                    .map(ILoggingEvent::getThreadName).toList();
        }
    }

    /** How many messages so far contain {@code fragment}. */
    public long count(String fragment) {
        return messages().stream().filter(m -> m.contains(fragment)).count();
    }

    private Logger logger() {
        return (Logger) LoggerFactory.getLogger(loggerName);
    }
}
