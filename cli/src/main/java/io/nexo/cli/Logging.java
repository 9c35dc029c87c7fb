package io.nexo.cli;

import ch.qos.logback.classic.Level;
import org.slf4j.LoggerFactory;

/** Log level adjustments a command makes for its audience. */
public final class Logging {

    private Logging() {
    }

    /**
     * For commands whose output is the story (the demo): per-connection INFO logs would drown it, so
     * only warnings show, unless the user chose a level with {@code NEXO_LOG_LEVEL}.
     */
    public static void quietUnlessAsked() {
        if (System.getenv("NEXO_LOG_LEVEL") == null
                && LoggerFactory.getLogger("io.nexo") instanceof ch.qos.logback.classic.Logger logger) {
            if (!logger.isEnabledFor(Level.WARN) || logger.isInfoEnabled()) {
                logger.setLevel(Level.WARN);
            }
        }
    }

    /** As {@link #quietUnlessAsked}, errors only: for runs whose warnings are the point (attackers refused). */
    public static void errorsOnlyUnlessAsked() {
        if (System.getenv("NEXO_LOG_LEVEL") == null
                && LoggerFactory.getLogger("io.nexo") instanceof ch.qos.logback.classic.Logger logger) {
            logger.setLevel(Level.ERROR);
        }
    }
}
