package io.nexo.lb.tls;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

class SniRouterTest {

    private static Map<String, String> routes() {
        Map<String, String> routes = new LinkedHashMap<>();
        routes.put("a.example.com", "A");
        routes.put("*.example.com", "W");
        return routes;
    }

    @Test
    void exactBeforeWildcardAndAWildcardCoversOneLabel() {
        TlsStats stats = new TlsStats();
        SniRouter<String> router = new SniRouter<>(routes(), "F", 5000, stats);
        assertThat(router.route("a.example.com").map(SniRouter.Choice::target)).contains("A");
        assertThat(router.route("b.example.com").map(SniRouter.Choice::target)).contains("W");
        assertThat(router.route("x.b.example.com").map(SniRouter.Choice::target)).contains("F");
        assertThat(router.route("example.com").map(SniRouter.Choice::target)).contains("F");
        assertThat(router.route(null).map(SniRouter.Choice::target)).contains("F");
        // a client cannot ask for the pattern itself
        assertThat(router.route("*.example.com").map(SniRouter.Choice::target)).contains("F");
        assertThat(stats.hits()).containsExactlyInAnyOrderEntriesOf(Map.of("a.example.com", 1L, "*.example.com", 1L));
        assertThat(stats.misses()).isEqualTo(4);
    }

    @Test
    void withoutAFallbackUnknownNamesGoNowhere() {
        SniRouter<String> router = new SniRouter<>(routes(), null, 5000, new TlsStats());
        assertThat(router.route("other.org")).isEqualTo(Optional.empty());
        assertThat(router.route("a.example.com")).contains(new SniRouter.Choice<>("A", "a.example.com"));
    }

    @Test
    void serverNamesMatchAsBrowsersDo() {
        assertThat(ServerNames.matches("*.example.com", "a.example.com")).isTrue();
        assertThat(ServerNames.matches("*.example.com", "example.com")).isFalse();
        assertThat(ServerNames.matches("*.example.com", "a.b.example.com")).isFalse();
        assertThat(ServerNames.matches("*.example.com", ".example.com")).isFalse();
        assertThat(ServerNames.matches("a.example.com", "a.example.com")).isTrue();
        assertThat(ServerNames.matches("a.example.com", null)).isFalse();
    }
}
