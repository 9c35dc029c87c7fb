package io.nexo.cli;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.ConfigLoader;
import io.nexo.lb.config.DnsConfig;
import io.nexo.lb.config.DnsTarget;
import io.nexo.lb.config.PoolConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code --backend-dns}, {@code --dns-server}, {@code --dns-interval}: the file keys of the same name. */
class LbDnsFlagsTest {

    @TempDir
    Path dir;

    private static BalancerConfig flags(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "lb";
        System.arraycopy(args, 0, all, 1, args.length);
        CommandLine.ParseResult parsed = Nexo.commandLine().parseArgs(all);
        return ((LbCommand) parsed.subcommand().commandSpec().userObject()).fromFlags();
    }

    @Test
    void dnsFlagsAreTheFileKeysAndReplaceTheSeedBackends() throws IOException {
        BalancerConfig fromFlags = flags("--backend-dns", "web.example:8080", "--backend-dns", "_app._tcp.example",
                "--dns-server", "127.0.0.1:5353", "--dns-server", "[::1]:53", "--dns-interval", "30s");
        Path file = dir.resolve("lb.yaml");
        Files.writeString(file, """
                listeners:
                  - {listen: "127.0.0.1:8000", pool: default}
                pools:
                  default:
                    backend-dns: ["web.example:8080", "_app._tcp.example"]
                    dns-server: ["127.0.0.1:5353", "[::1]:53"]
                    dns-interval: 30s
                """);
        assertThat(fromFlags).isEqualTo(ConfigLoader.load(file));
        PoolConfig pool = fromFlags.pools().get(PoolConfig.FLAGS_POOL);
        assertThat(pool.backends()).as("no seed backends next to DNS").isEmpty();
        assertThat(pool.dns()).isEqualTo(new DnsConfig(
                List.of(new DnsTarget("web.example", 8080), new DnsTarget("_app._tcp.example", 0)),
                List.of(new HostAndPort("127.0.0.1", 5353), new HostAndPort("::1", 53)), Duration.ofSeconds(30)));
    }

    @Test
    void listedBackendsStayNextToDns() {
        PoolConfig pool = flags("--backend", "127.0.0.1:9001", "--backend-dns", "web.example:8080")
                .pools().get(PoolConfig.FLAGS_POOL);
        assertThat(pool.backends()).hasSize(1);
        assertThat(pool.dns().interval()).isEqualTo(DnsConfig.DEFAULT_INTERVAL);
        assertThat(pool.dns().servers()).as("the system's resolvers").isEmpty();
    }

    @Test
    void badValuesNameTheFlag() {
        assertThatThrownBy(() -> flags("--backend-dns", "web.example"))
                .hasMessage("--backend-dns: 'web.example' has no port (expected: NAME:PORT, or _service._proto.NAME "
                        + "for SRV)");
        assertThatThrownBy(() -> flags("--backend-dns", "_app._tcp.example:80"))
                .hasMessageStartingWith("--backend-dns: '_app._tcp.example:80' is an SRV name");
        assertThatThrownBy(() -> flags("--backend-dns", "web.example:80", "--dns-interval", "10ms"))
                .hasMessage("--dns-interval: 10ms (expected: 100ms-1h)");
    }
}
