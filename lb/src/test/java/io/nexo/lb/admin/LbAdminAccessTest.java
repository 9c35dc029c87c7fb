package io.nexo.lb.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexo.core.admin.AdminAccessConfig;
import io.nexo.core.admin.AdminAccessPolicy;
import io.nexo.core.admin.AdminServer;
import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.config.ConfigLoader;
import io.nexo.lb.testing.Closer;
import io.nexo.lb.testing.NamedBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The balancer's admin API behind a token: what is refused, what runs, and the token's reload. */
class LbAdminAccessTest {

    private static final String TOKEN = "first-token-0123456789";
    private static final String NEXT = "second-token-9876543210";

    @RegisterExtension
    final Closer closer = new Closer();

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private AdminServer admin;

    private HttpResponse<String> send(String method, String path, String token, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + admin.address() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void writeToken(Path file, String token, String perms) throws Exception {
        Files.writeString(file, token + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(perms));
    }

    @Test
    void tokenOriginAndReloadThroughTheBalancersAdminApi() throws Exception {
        NamedBackend s1 = closer.add(NamedBackend.start("s1"));
        Path config = dir.resolve("lb.yaml");
        Files.writeString(config, """
                listeners:
                  - name: web
                    listen: 127.0.0.1:0
                    pool: p
                pools:
                  p:
                    health-check: {enabled: false}
                    backends:
                      - name: s1
                        address: %s
                """.formatted(s1.address()));
        LoadBalancer lb = closer.add(new LoadBalancer(ConfigLoader.load(config), 1));
        lb.start();
        Path tokenFile = dir.resolve("admin.token");
        writeToken(tokenFile, TOKEN, "rw-------");
        HostAndPort listen = new HostAndPort("127.0.0.1", 0);
        AdminAccessPolicy access = AdminAccessPolicy.of(
                new AdminAccessConfig(Optional.of(tokenFile), false, List.of()), listen);
        admin = closer.add(LbAdmin.start(listen, access, new LbController(lb, Optional.of(config))));

        assertThat(send("GET", "/api/status", null).statusCode()).isEqualTo(401);
        assertThat(send("POST", "/api/backends/p/s1/disable", null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/status", TOKEN).statusCode()).isEqualTo(200);
        // a page on another origin cannot disable a backend even if it somehow had the token
        assertThat(send("POST", "/api/backends/p/s1/disable", TOKEN, "Origin", "http://evil.example")
                .statusCode()).isEqualTo(403);
        assertThat(send("POST", "/api/backends/p/s1/disable", TOKEN, "Content-Type", "text/plain")
                .statusCode()).isEqualTo(415);
        // run-time backends go through the same checks
        assertThat(send("POST", "/api/pools/p/backends", null).statusCode()).isEqualTo(401);
        assertThat(send("DELETE", "/api/pools/p/backends/s1", null).statusCode()).isEqualTo(401);
        assertThat(send("DELETE", "/api/pools/p/backends/s1", TOKEN, "Origin", "http://evil.example")
                .statusCode()).isEqualTo(403);
        assertThat(lb.status().pools().get(0).backends()).hasSize(1);
        assertThat(lb.status().pools().get(0).backends().get(0).state()).isEqualTo("up");
        assertThat(send("POST", "/api/backends/p/s1/drain", TOKEN).statusCode()).isEqualTo(200);
        assertThat(lb.status().pools().get(0).backends().get(0).state()).isEqualTo("drain");
        assertThat(send("GET", "/metrics", null).statusCode()).isEqualTo(200);

        // a new token takes effect on reload; the old one stops working
        writeToken(tokenFile, NEXT, "rw-------");
        assertThat(send("POST", "/api/reload", TOKEN).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/api/status", TOKEN).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/status", NEXT).statusCode()).isEqualTo(200);

        // a token file gone world-readable refuses the reload; the running token stays
        writeToken(tokenFile, "third-token-0000000000", "rw-r--r--");
        HttpResponse<String> refused = send("POST", "/api/reload", NEXT);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("reload refused: token-file: " + tokenFile
                + ": readable or writable by every user");
        assertThat(send("GET", "/api/status", NEXT).statusCode()).isEqualTo(200);

        assertThat(send("GET", "/metrics", null).body().lines().filter(l -> l.startsWith("nexo_admin_refused")))
                .containsExactly(
                        "nexo_admin_refused_total{status=\"401\"} 5.0",
                        "nexo_admin_refused_total{status=\"403\"} 2.0",
                        "nexo_admin_refused_total{status=\"415\"} 1.0",
                        "nexo_admin_refused_total{status=\"421\"} 0.0");
    }
}
