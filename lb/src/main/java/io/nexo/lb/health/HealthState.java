package io.nexo.lb.health;

/**
 * The UP/DOWN state machine of one backend, as in HAProxy: {@code fall} consecutive failed checks take
 * an UP backend DOWN, {@code rise} consecutive successful checks bring a DOWN backend UP, and a result
 * that agrees with the current state resets the opposite count.
 *
 * <pre>
 * rise 2, fall 3, starting UP:
 *   fail fail ok fail fail fail ok ok
 *   UP   UP   UP UP   UP   DOWN DOWN UP
 * </pre>
 *
 * <p>A backend that joins a running pool (from DNS, the admin API or a reload) starts {@linkplain
 * #joining joining}: DOWN until a check passes, and its first passing check takes it UP at once (a
 * failing one leaves it an ordinary DOWN backend, which needs {@code rise}). So it takes no client
 * before a check said it works, and it does not wait {@code rise} intervals either.
 *
 * <p>A passive failure (a real client connection could not reach the backend) takes it DOWN at once;
 * it then needs {@code rise} good checks like any DOWN backend. Thread-safe: checks run on one event
 * loop, passive failures arrive from any of them.
 */
public final class HealthState {

    /** What a result did to the state. */
    public enum Transition { NONE, WENT_UP, WENT_DOWN }

    private final int rise;
    private final int fall;
    private boolean up = true;
    /** DOWN until its first check: one passing check is enough. */
    private boolean joining;
    private int consecutiveOk;
    private int consecutiveFailed;

    public HealthState(int rise, int fall) {
        this(rise, fall, true);
    }

    /** Starting {@code up} or down, e.g. to carry a backend's state over new thresholds on reload. */
    public HealthState(int rise, int fall, boolean up) {
        this.up = up;
        if (rise < 1) {
            throw new IllegalArgumentException("rise: " + rise + " (expected: >= 1)");
        }
        if (fall < 1) {
            throw new IllegalArgumentException("fall: " + fall + " (expected: >= 1)");
        }
        this.rise = rise;
        this.fall = fall;
    }

    /** A backend joining a running pool: DOWN until a check passes (see the class comment). */
    public static HealthState joining(int rise, int fall) {
        HealthState s = new HealthState(rise, fall, false);
        s.joining = true;
        return s;
    }

    public int rise() {
        return rise;
    }

    /** Whether no check has run yet on a {@link #joining} backend. */
    public synchronized boolean isJoining() {
        return joining;
    }

    public synchronized boolean isUp() {
        return up;
    }

    /** Records one active check. */
    public synchronized Transition onCheck(boolean ok) {
        boolean first = joining;
        joining = false;
        if (ok && first) {
            consecutiveFailed = 0;
            consecutiveOk = 1;
            up = true;
            return Transition.WENT_UP;
        }
        if (ok) {
            consecutiveFailed = 0;
            consecutiveOk++;
            if (!up && consecutiveOk >= rise) {
                up = true;
                return Transition.WENT_UP;
            }
        } else {
            consecutiveOk = 0;
            consecutiveFailed++;
            if (up && consecutiveFailed >= fall) {
                up = false;
                return Transition.WENT_DOWN;
            }
        }
        return Transition.NONE;
    }

    /** Records that a client connection could not be made to the backend. */
    public synchronized Transition onPassiveFailure() {
        joining = false;
        consecutiveOk = 0;
        consecutiveFailed = Math.max(consecutiveFailed, fall);
        if (up) {
            up = false;
            return Transition.WENT_DOWN;
        }
        return Transition.NONE;
    }

    /** Consecutive results that agree with each other, for logs: "2 of rise 2". */
    public synchronized int streak() {
        return Math.max(consecutiveOk, consecutiveFailed);
    }

    @Override
    public synchronized String toString() {
        return (up ? "UP" : joining ? "DOWN, joining" : "DOWN") + " (ok " + consecutiveOk + "/" + rise + ", failed "
                + consecutiveFailed + "/" + fall + ")";
    }
}
