package io.nexo.lb.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The policies a user can name in flags and config files, each a fresh instance per pool (policies
 * keep per-pool rotation state).
 */
public final class Policies {

    private static final Map<String, Supplier<LoadBalancingPolicy>> BY_NAME = new LinkedHashMap<>();

    static {
        BY_NAME.put(RoundRobinPolicy.NAME, RoundRobinPolicy::new);
        BY_NAME.put("weighted-round-robin", WeightedRoundRobinPolicy::new);
        BY_NAME.put("least-connections", LeastConnectionsPolicy::new);
        BY_NAME.put("random-two-choices", RandomTwoChoicesPolicy::new);
        BY_NAME.put("source-hash", SourceHashPolicy::new);
    }

    private Policies() {
    }

    /** Known names in the order they are documented. */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    /** Whether {@code name} names a policy. */
    public static boolean exists(String name) {
        return BY_NAME.containsKey(name.toLowerCase(Locale.ROOT));
    }

    /**
     * A new policy for {@code name}.
     *
     * @throws IllegalArgumentException naming the accepted values when the name is unknown
     */
    public static LoadBalancingPolicy byName(String name) {
        Supplier<LoadBalancingPolicy> factory = BY_NAME.get(name.toLowerCase(Locale.ROOT));
        if (factory == null) {
            throw new IllegalArgumentException("policy: '" + name + "' (expected one of: "
                    + String.join(", ", BY_NAME.keySet()) + ")");
        }
        return factory.get();
    }
}
