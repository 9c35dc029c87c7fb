package io.nexo.p2p.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A small internet in Linux network namespaces, for tests of NAT traversal with real processes.
 *
 * <pre>
 *  public host P1 198.18.0.2 ─┐
 *  public host P2 198.18.0.3 ─┤ br0 in namespace "inet" (198.18.0.1): the internet
 *                             ├─ wan0 198.18.0.101 router R1 ── lan0 10.0.1.1 ── eth0 10.0.1.2 node N1
 *                             └─ wan0 198.18.0.102 router R2 ── lan0 10.0.2.1 ── eth0 10.0.2.2 node N2
 * </pre>
 *
 * A router masquerades its LAN behind its WAN address ({@link NatType#MASQUERADE}: Linux keeps the
 * source port when it is free, an endpoint-independent mapping; {@link NatType#RANDOM_FULLY}: a
 * random port per connection) and drops unsolicited inbound traffic silently, like a home router:
 * only packets of connections its LAN opened (conntrack ESTABLISHED,RELATED) come in. Namespace
 * names carry a random token (or {@code NEXO_NATLAB_TOKEN}'s, for a script that cleans up after a
 * killed run), so labs of concurrent test runs do not meet; interfaces are created
 * directly inside their namespaces, so their short names never collide. {@link #close()} deletes
 * every namespace it made (which deletes their interfaces and rules), even after a failed setup.
 * Needs root, iproute2 and iptables: {@link #create()} skips the test, saying why, without them.
 */
public final class NatLab implements AutoCloseable {

    /** How a router maps its LAN's connections to its WAN address. */
    public enum NatType {
        /** iptables MASQUERADE: source port kept when free (endpoint-independent mapping). */
        MASQUERADE(List.of()),
        /** iptables MASQUERADE --random-fully: a random source port per connection. */
        RANDOM_FULLY(List.of("--random-fully"));

        private final List<String> flags;

        NatType(List<String> flags) {
            this.flags = flags;
        }
    }

    /**
     * A host of the lab: its namespace and the address it has there. {@code publicAddress} is the
     * address the internet sees: its own for a public host, its router's WAN address behind a NAT.
     */
    public record Host(String namespace, InetAddress address, InetAddress publicAddress) {
        /** The prefix that runs a command on this host ({@code ip netns exec NS}). */
        public List<String> exec() {
            return Netns.exec(namespace);
        }

        /** Starts a child JVM running {@code main} on this host. */
        public LabProcess java(String name, Class<?> main, String... args) throws IOException {
            return LabProcess.java(name, exec(), main, args);
        }

        /** Starts a child JVM running {@code main} on this host with these JVM options. */
        public LabProcess java(List<String> jvmOptions, String name, Class<?> main, String... args) throws IOException {
            return LabProcess.java(name, exec(), jvmOptions, main, args);
        }
    }

    private static final String INTERNET = "198.18.0.";
    private final String token;
    private final String inet;
    private final Deque<String> namespaces = new ArrayDeque<>();
    private int publicHosts;
    private int routers;

    private NatLab() {
        // a bench script may choose the token (NEXO_NATLAB_TOKEN), to delete what a killed run left
        String chosen = System.getenv("NEXO_NATLAB_TOKEN");
        token = chosen != null && chosen.matches("[0-9a-z]{1,12}") ? chosen
                : HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        inet = ns("inet");
    }

    /**
     * Creates the internet namespace; skips the calling test (JUnit assumption) where namespaces or
     * iptables cannot be used here.
     */
    public static NatLab create() throws IOException {
        Assumptions.assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0,
                "the NAT lab needs root (ip netns, iptables)");
        Assumptions.assumeTrue(Netns.run(List.of("iptables", "--version")) == 0, "iptables is not installed");
        NatLab lab = new NatLab();
        int made = Netns.run(List.of("ip", "netns", "add", lab.inet));
        Assumptions.assumeTrue(made == 0, "cannot create a network namespace (ip netns add failed)");
        lab.namespaces.push(lab.inet);
        try {
            lab.cmd("ip", "-n", lab.inet, "link", "add", "br0", "type", "bridge");
            lab.cmd("ip", "-n", lab.inet, "addr", "add", INTERNET + "1/24", "dev", "br0");
            lab.cmd("ip", "-n", lab.inet, "link", "set", "br0", "up");
            lab.cmd("ip", "-n", lab.inet, "link", "set", "lo", "up");
            return lab;
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    /** A host with its own address on the internet (a relay, a public node, a rendezvous server). */
    public Host publicHost() throws IOException {
        int n = ++publicHosts;
        String ns = newNamespace("p" + n);
        InetAddress addr = address(INTERNET + (1 + n));
        cmd("ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", "pub" + n, "netns", inet);
        attachToInternet("pub" + n);
        up(ns, "eth0", addr.getHostAddress() + "/24");
        return new Host(ns, addr, addr);
    }

    /** A host on its own LAN behind its own router of the given type. */
    public Host natHost(NatType type) throws IOException {
        int n = ++routers;
        String router = newNamespace("r" + n);
        String node = newNamespace("n" + n);
        InetAddress wan = address(INTERNET + (100 + n));
        String lan = "10.0." + n + ".";
        cmd("ip", "link", "add", "wan0", "netns", router, "type", "veth", "peer", "name", "wan" + n, "netns", inet);
        attachToInternet("wan" + n);
        up(router, "wan0", wan.getHostAddress() + "/24");
        cmd("ip", "link", "add", "lan0", "netns", router, "type", "veth", "peer", "name", "eth0", "netns", node);
        up(router, "lan0", lan + "1/24");
        up(node, "eth0", lan + "2/24");
        cmd("ip", "-n", node, "route", "add", "default", "via", lan + "1");
        cmd(Netns.in(router, "sysctl", "-qw", "net.ipv4.ip_forward=1"));
        List<String> masquerade = new ArrayList<>(Netns.in(router,
                "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "wan0", "-j", "MASQUERADE"));
        masquerade.addAll(type.flags);
        cmd(masquerade);
        // unsolicited inbound is dropped without an answer (no RST, no ICMP), like a home router
        for (String chain : List.of("INPUT", "FORWARD")) {
            cmd(Netns.in(router, "iptables", "-P", chain, "DROP"));
            cmd(Netns.in(router, "iptables", "-A", chain, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED",
                    "-j", "ACCEPT"));
        }
        cmd(Netns.in(router, "iptables", "-A", "INPUT", "-i", "lo", "-j", "ACCEPT"));
        cmd(Netns.in(router, "iptables", "-A", "FORWARD", "-i", "lan0", "-o", "wan0", "-j", "ACCEPT"));
        return new Host(node, address(lan + "2"), wan);
    }

    private String newNamespace(String role) throws IOException {
        String ns = ns(role);
        cmd("ip", "netns", "add", ns);
        namespaces.push(ns);
        cmd("ip", "-n", ns, "link", "set", "lo", "up");
        return ns;
    }

    private String ns(String role) {
        return "nxlab-" + token + "-" + role;
    }

    private void attachToInternet(String port) throws IOException {
        cmd("ip", "-n", inet, "link", "set", port, "master", "br0");
        cmd("ip", "-n", inet, "link", "set", port, "up");
    }

    private void up(String ns, String dev, String cidr) throws IOException {
        cmd("ip", "-n", ns, "addr", "add", cidr, "dev", dev);
        cmd("ip", "-n", ns, "link", "set", dev, "up");
    }

    private void cmd(String... command) throws IOException {
        Netns.runOrThrow(command);
    }

    private void cmd(List<String> command) throws IOException {
        Netns.runOrThrow(command.toArray(String[]::new));
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    /** Deletes every namespace of the lab, newest first (their interfaces and rules go with them). */
    @Override
    public void close() {
        while (!namespaces.isEmpty()) {
            Netns.run(List.of("ip", "netns", "del", namespaces.pop()));
        }
    }
}
