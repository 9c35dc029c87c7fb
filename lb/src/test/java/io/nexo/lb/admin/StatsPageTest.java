package io.nexo.lb.admin;

import io.nexo.lb.testing.Closer;

import static io.nexo.lb.testing.Configs.config;
import static io.nexo.lb.testing.Configs.listener;
import static io.nexo.lb.testing.Configs.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexo.core.admin.AdminAccessConfig;
import io.nexo.core.admin.AdminAccessPolicy;
import io.nexo.core.admin.AdminServer;
import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.backend.AdminState;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.testing.Client;
import io.nexo.lb.testing.Configs;
import io.nexo.lb.testing.Lbs;
import io.nexo.lb.testing.Loopback;
import io.nexo.lb.testing.NamedBackend;
import io.nexo.lb.testing.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;

/**
 * The stats page in headless Chromium against a real balancer: it must show the real state (pools,
 * backends, states with their colours, counters), refresh by itself and draw its chart.
 */
class StatsPageTest {

    @RegisterExtension
    final Closer closer = new Closer();

    @Test
    void showsTheLiveStateOfEveryPoolAndRefreshesByItself() throws Exception {
        HeadlessChromium chromium = closer.add(HeadlessChromium.start());
        NamedBackend s1 = closer.add(NamedBackend.start("s1"));
        NamedBackend s2 = closer.add(NamedBackend.start("s2"));
        NamedBackend s3 = closer.add(NamedBackend.start("s3"));
        NamedBackend dead = closer.add(NamedBackend.start("dead"));
        LoadBalancer lb = closer.add(new LoadBalancer(config(List.of(listener("web", "web"), listener("cache", "cache")),
                pool("web", "weighted-round-robin", List.of(new BackendConfig("s1", s1.address(), 3, false, 0),
                        Configs.backend(s2), new BackendConfig("spare", s3.address(), 1, true, 0))),
                pool("cache", "source-hash", List.of(Configs.backend(dead)))), 1));
        lb.start();
        AdminServer admin = closer.add(LbAdmin.start(new HostAndPort("127.0.0.1", 0),
                new LbController(lb, Optional.empty())));
        // real traffic and real state: s2 drained, "dead" down after a failed check, one open connection
        Client open = closer.add(Client.connect(lb.addresses().get("web")));
        assertThat(open.backend).isEqualTo("s1");
        lb.setAdminState("web", "s2", AdminState.DRAIN);
        dead.stop();
        lb.healthChecker("cache").orElseThrow().checkNow().get(5, TimeUnit.SECONDS);

        var driver = chromium.driver;
        driver.get("http://" + admin.address() + "/?refresh=300");
        await().atMost(Duration.ofSeconds(15)).until(() -> snapshot(driver).containsKey("cache/dead/state"));

        // one atomic read of the rendered page (it re-renders every 300 ms)
        Map<String, Object> page = snapshot(driver);
        assertThat(page).containsEntry("web/title", "Pool web weighted-round-robin")
                .containsEntry("web/s1/state", "UP")
                .containsEntry("web/s1/weight", "3")
                .containsEntry("web/s1/active", "1")
                .containsEntry("web/s1/total", "1")
                .containsEntry("web/s2/state", "DRAIN")
                .containsEntry("web/spare/state", "UP")
                .containsEntry("web/spare/class", "up backup")
                .containsEntry("cache/dead/state", "DOWN")
                .containsEntry("cache/dead/class", "down")
                .containsEntry("cache/dead/lastCheck", "failed: connection refused")
                .containsEntry("web/s1/lastCheck", "-")
                .containsEntry("listener/web/accepted", "1")
                .containsEntry("error", "none");
        // the state colours are really applied (computed style, not just a class name)
        assertThat(page).containsEntry("web/s1/bg", "rgb(143, 214, 148)")
                .containsEntry("web/s2/bg", "rgb(247, 197, 107)")
                .containsEntry("web/spare/bg", "rgb(184, 224, 240)")
                .containsEntry("cache/dead/bg", "rgb(242, 139, 130)");

        // live: a second connection shows up without reloading the page
        Client second = closer.add(Client.connect(lb.addresses().get("web")));
        assertThat(second.backend).isEqualTo("s1"); // s2 is drained, spare is a backup
        await().atMost(Duration.ofSeconds(15)).until(() -> "2".equals(snapshot(driver).get("web/s1/active")));
        await().atMost(Duration.ofSeconds(15)).until(() ->
                Integer.parseInt((String) snapshot(driver).get("refreshes")) >= 3);
        assertThat((String) snapshot(driver).get("legend")).contains("web (2)", "cache (0)");
        Long chartPixels = (Long) ((org.openqa.selenium.JavascriptExecutor) driver).executeScript(
                "const c = document.getElementById('chart'); const d = c.getContext('2d')"
                        + ".getImageData(0, 0, c.width, c.height).data; let n = 0;"
                        + "for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n;");
        assertThat(chartPixels).isGreaterThan(100L);

        Path screenshot = Path.of("target", "stats-page.png");
        Files.createDirectories(screenshot.getParent());
        Files.write(screenshot, chromium.driver.getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(screenshot)).isGreaterThan(10_000);
    }

    @Test
    void withATokenThePageSendsTheOneInItsFragment(@TempDir Path dir) throws Exception {
        HeadlessChromium chromium = closer.add(HeadlessChromium.start());
        NamedBackend s1 = closer.add(NamedBackend.start("s1"));
        LoadBalancer lb = closer.add(new LoadBalancer(config(List.of(listener("web", "web")),
                pool("web", "round-robin", List.of(Configs.backend(s1)))), 1));
        lb.start();
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "page-token-0123456789");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        HostAndPort listen = new HostAndPort("127.0.0.1", 0);
        AdminServer admin = closer.add(LbAdmin.start(listen, AdminAccessPolicy.of(
                new AdminAccessConfig(Optional.of(tokenFile), false, List.of()), listen),
                new LbController(lb, Optional.empty())));
        var driver = chromium.driver;

        driver.get("http://" + admin.address() + "/?refresh=300");
        await().atMost(Duration.ofSeconds(15)).until(() -> "block".equals(snapshot(driver).get("error")));
        assertThat(driver.findElement(org.openqa.selenium.By.id("error")).getText()).contains("HTTP 401");

        driver.get("http://" + admin.address() + "/?refresh=300#token=page-token-0123456789");
        await().atMost(Duration.ofSeconds(15)).until(() -> snapshot(driver).containsKey("web/s1/state"));
        assertThat(snapshot(driver)).containsEntry("web/s1/state", "UP").containsEntry("error", "none");
    }

    @Test
    void showsBackendsAndListenersNamedAfterIpv6Addresses() throws Exception {
        Loopback.assumeAvailable(Loopback.IPV6);
        HeadlessChromium chromium = closer.add(HeadlessChromium.start());
        TestBackend backend = closer.add(TestBackend.start(Loopback.IPV6,
                s -> s.getInputStream().transferTo(s.getOutputStream())));
        LoadBalancer lb = closer.add(Lbs.noChecks(List.of(backend.address()))
                .withListen(new HostAndPort(Loopback.IPV6, 0)).balancer());
        HostAndPort at = HostAndPort.of(lb.start());
        AdminServer admin = closer.add(LbAdmin.start(new HostAndPort(Loopback.IPV6, 0),
                new LbController(lb, Optional.empty())));
        try (java.net.Socket client = new java.net.Socket(at.host(), at.port())) {
            client.getOutputStream().write('x');
            assertThat(client.getInputStream().read()).isEqualTo('x');
        }

        var driver = chromium.driver;
        driver.get("http://" + admin.address() + "/?refresh=300");
        String name = "[::1]:" + backend.port();
        String row = "default/" + name + "/";
        await().atMost(Duration.ofSeconds(15)).until(() -> "1".equals(snapshot(driver).get(row + "total")));
        assertThat(snapshot(driver)).containsEntry(row + "state", "UP")
                .containsEntry("listener/[::1]:0/accepted", "1")
                .containsEntry("error", "none");
        // read in one script run: the page re-renders every 300 ms, which makes found elements stale
        Object addresses = ((org.openqa.selenium.JavascriptExecutor) driver).executeScript(
                "return [...document.querySelectorAll('td.addr')].map(td => td.innerText);");
        assertThat(addresses).isEqualTo(List.of(at.toString(), name)); // the listener's, then the backend's
    }

    /** Every rendered value of the page as "pool/backend/field" -> text, read in one script run. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> snapshot(org.openqa.selenium.WebDriver driver) {
        return (Map<String, Object>) ((org.openqa.selenium.JavascriptExecutor) driver).executeScript("""
                const out = {};
                document.querySelectorAll('section[data-pool]').forEach(sec => {
                  const pool = sec.dataset.pool;
                  out[pool + '/title'] = sec.querySelector('h2').innerText;
                  sec.querySelectorAll('tr[data-backend]').forEach(tr => {
                    const key = pool + '/' + tr.dataset.backend;
                    out[key + '/class'] = tr.className;
                    out[key + '/bg'] = getComputedStyle(tr.querySelector('td.state')).backgroundColor;
                    tr.querySelectorAll('[data-field]').forEach(td => out[key + '/' + td.dataset.field] = td.innerText);
                  });
                });
                document.querySelectorAll('tr[data-listener]').forEach(tr =>
                  tr.querySelectorAll('[data-field]').forEach(td =>
                    out['listener/' + tr.dataset.listener + '/' + td.dataset.field] = td.innerText));
                out.legend = document.getElementById('legend').innerText;
                out.refreshes = document.body.dataset.refreshes || '0';
                out.error = getComputedStyle(document.getElementById('error')).display;
                return out;
                """);
    }
}
