package io.nexo.lb;

import java.io.IOException;

/** The balancer could not listen where it was told to (address in use, not local, no permission). */
public final class ListenException extends IOException {
    public ListenException(String message, Throwable cause) {
        super(message, cause);
    }
}
