package dev.mailcheck.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * A real recursive resolver (Unbound, from Debian) on 127.0.0.1 and a free high port, in the foreground, sending
 * the given zones to a test NSD. Validating (trust anchors: the zones' DS files) or not (iterator only).
 * It never asks anything off this machine: every other name is refused to clients, and its root hints point at
 * 127.0.0.1, with queries sent from 127.0.0.1 over IPv4 only.
 */
public final class Unbound implements AutoCloseable {

    private static final Path UNBOUND = Path.of("/usr/sbin/unbound");
    private static final Map<Boolean, Unbound> SHARED = new HashMap<>();

    private final Process process;
    private final int port;

    private Unbound(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The JVM-wide validating resolver in front of {@link DnssecZones}, trusting its signed zones' keys. */
    public static Unbound validating() {
        return shared(true);
    }

    /** The JVM-wide resolver in front of {@link DnssecZones} that does not validate. */
    public static Unbound nonValidating() {
        return shared(false);
    }

    private static synchronized Unbound shared(boolean validate) {
        return SHARED.computeIfAbsent(validate, v -> {
            DnssecZones z = DnssecZones.shared();
            Unbound unbound = start(z.nsd().address(), z.zones(), v ? z.trustAnchors() : List.of());
            Runtime.getRuntime().addShutdownHook(new Thread(unbound::close));
            return unbound;
        });
    }

    /** @param trustAnchors DS files; none means a resolver that does not validate at all */
    public static Unbound start(InetSocketAddress authority, List<String> zones, List<Path> trustAnchors) {
        if (!Files.isExecutable(UNBOUND)) {
            throw new IllegalStateException("Unbound is not installed (" + UNBOUND + "): run scripts/setup --test,"
                    + " or apt-get install unbound");
        }
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                Path dir = Files.createTempDirectory("unbound-");
                int port = Nsd.freePort();
                Files.writeString(dir.resolve("root.hints"), ". 3600000 NS a.root.invalid.\n"
                        + "a.root.invalid. 3600000 A 127.0.0.1\n");
                Files.writeString(dir.resolve("unbound.conf"), config(dir, port, authority, zones, trustAnchors));
                Process p = new ProcessBuilder(UNBOUND.toString(), "-d", "-c", dir.resolve("unbound.conf").toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("unbound.out").toFile()).start();
                Unbound unbound = new Unbound(p, port);
                // Ready when it answers anything: the root is refused, at once.
                if (Nsd.awaitAnswer(p, unbound.address(), Message.newQuery(Record.newRecord(Name.root, Type.SOA,
                        DClass.IN)), answer -> true, Duration.ofSeconds(10))) {
                    return unbound;
                }
                unbound.close();
                last = new IOException("Unbound did not answer on port " + port + ": "
                        + Files.readString(dir.resolve("unbound.out")));
            } catch (IOException e) {
                last = e;
            }
        }
        throw new UncheckedIOException("could not start Unbound", last);
    }

    private static String config(Path dir, int port, InetSocketAddress authority, List<String> zones,
                                 List<Path> trustAnchors) {
        StringBuilder c = new StringBuilder("server:\n")
                .append("  interface: 127.0.0.1@").append(port).append('\n')
                .append("  port: ").append(port).append('\n')
                .append("  username: \"\"\n  chroot: \"\"\n")
                .append("  directory: \"").append(dir).append("\"\n")
                .append("  pidfile: \"").append(dir.resolve("unbound.pid")).append("\"\n")
                .append("  use-syslog: no\n  logfile: \"\"\n  verbosity: 1\n  num-threads: 1\n")
                .append("  access-control: 127.0.0.0/8 allow\n")
                // The zones live on loopback; nothing else may be asked.
                .append("  do-not-query-localhost: no\n  do-ip6: no\n  outgoing-interface: 127.0.0.1\n")
                .append("  root-hints: \"").append(dir.resolve("root.hints")).append("\"\n")
                .append("  qname-minimisation: no\n  trust-anchor-signaling: no\n")
                .append("  local-zone: \".\" refuse\n")
                .append("  module-config: \"").append(trustAnchors.isEmpty() ? "iterator" : "validator iterator")
                .append("\"\n");
        for (String zone : zones) {
            // More specific than the refusal above (and than Unbound's own answers for RFC 6761 names like test.).
            c.append("  local-zone: \"").append(zone).append(".\" transparent\n");
        }
        for (Path anchor : trustAnchors) {
            c.append("  trust-anchor-file: \"").append(anchor).append("\"\n");
        }
        c.append("remote-control:\n  control-enable: no\n");
        for (String zone : zones) {
            c.append("stub-zone:\n  name: \"").append(zone).append(".\"\n  stub-addr: ")
                    .append(authority.getAddress().getHostAddress()).append('@').append(authority.getPort()).append('\n');
        }
        return c.toString();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** {@code 127.0.0.1:PORT}, as the CLI's {@code --dns} takes it. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        Nsd.stop(process);
    }
}
