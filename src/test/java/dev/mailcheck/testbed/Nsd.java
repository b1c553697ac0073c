package dev.mailcheck.testbed;

import dev.mailcheck.dns.MxResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real authoritative DNS server (NSD, from Debian) on 127.0.0.1 and a free high port, serving the
 * zones under {@code src/test/resources/zones}. {@code servfail.test} is a secondary zone whose primary
 * never answers, so NSD answers SERVFAIL for it; names outside every zone get REFUSED.
 * One instance serves the whole test JVM and stops with it.
 */
public final class Nsd implements AutoCloseable {

    public static final String SERVFAIL_ZONE = "servfail.test";
    private static final Path NSD = Path.of("/usr/sbin/nsd");
    private static Nsd shared;

    private final Process process;
    private final Path dir;
    private final int port;
    private MxResolver resolver;

    private Nsd(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /** The JVM-wide instance, started on first use. */
    public static synchronized Nsd shared() {
        if (shared == null) {
            shared = start(resourceZones());
            Nsd s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(s::close));
        }
        return shared;
    }

    /**
     * For benchmarks and demos: serves the zones in directory {@code args[0]}, prints
     * {@code 127.0.0.1:PORT} and runs until standard input closes.
     */
    public static void main(String[] args) throws IOException {
        try (Nsd nsd = start(Path.of(args[0]).toAbsolutePath())) {
            System.out.println(nsd.hostPort());
            System.out.flush();
            System.in.transferTo(java.io.OutputStream.nullOutputStream());
        }
    }

    /**
     * A resolver on this server for tests that need no counts of their own: a 3 s budget, 64 queries in
     * flight, MX hosts on test addresses taken as mail hosts (--allow-private-mx), closed with the server.
     */
    public synchronized MxResolver resolver() {
        if (resolver == null) {
            resolver = new MxResolver(List.of(address()), Duration.ofSeconds(3), 64, true);
        }
        return resolver;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** {@code 127.0.0.1:PORT}, as the CLI's {@code --dns} takes it. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    /** Starts NSD on the zone files ({@code <zone>.zone}) in {@code zones}; fails loudly if it can't. */
    public static Nsd start(Path zones) {
        if (!Files.isExecutable(NSD)) {
            throw new IllegalStateException("NSD is not installed (" + NSD + "): run scripts/test.sh, which installs"
                    + " the Debian packages the tests need, or apt-get install nsd");
        }
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                Path dir = Files.createTempDirectory("nsd-");
                int port = freePort();
                Files.writeString(dir.resolve("nsd.conf"), config(dir, zones, port));
                Process p = new ProcessBuilder(NSD.toString(), "-d", "-c", dir.resolve("nsd.conf").toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("nsd.out").toFile()).start();
                Nsd nsd = new Nsd(p, dir, port);
                Message soa = Message.newQuery(Record.newRecord(Name.fromConstantString(firstZone(zones)), Type.SOA,
                        DClass.IN));
                if (awaitAnswer(p, nsd.address(), soa, a -> a.getRcode() == Rcode.NOERROR, Duration.ofSeconds(10))) {
                    return nsd;
                }
                nsd.close();
                last = new IOException("NSD did not answer on port " + port + ": "
                        + Files.readString(dir.resolve("nsd.out")) + readIfExists(dir.resolve("nsd.log")));
            } catch (IOException e) {
                last = e;
            }
        }
        throw new UncheckedIOException("could not start NSD", last);
    }

    private static String config(Path dir, Path zones, int port) throws IOException {
        StringBuilder c = new StringBuilder();
        c.append("server:\n")
                .append("  ip-address: 127.0.0.1@").append(port).append('\n')
                .append("  username: \"\"\n  chroot: \"\"\n  database: \"\"\n")
                .append("  zonesdir: \"").append(zones).append("\"\n")
                .append("  pidfile: \"").append(dir.resolve("nsd.pid")).append("\"\n")
                .append("  zonelistfile: \"").append(dir.resolve("zone.list")).append("\"\n")
                .append("  xfrdfile: \"").append(dir.resolve("xfrd.state")).append("\"\n")
                .append("  xfrdir: \"").append(dir).append("\"\n")
                .append("  logfile: \"").append(dir.resolve("nsd.log")).append("\"\n")
                .append("  server-count: 1\n  verbosity: 1\n  hide-version: yes\n")
                // NSD drops answers under load unless response rate limiting is off.
                .append("  rrl-ratelimit: 0\n  rrl-whitelist-ratelimit: 0\n")
                .append("remote-control:\n  control-enable: no\n");
        List<Path> files = new ArrayList<>();
        try (var list = Files.list(zones)) {
            list.filter(f -> f.getFileName().toString().endsWith(".zone")).sorted().forEach(files::add);
        }
        for (Path f : files) {
            String name = f.getFileName().toString().replaceAll("\\.zone$", "");
            c.append("zone:\n  name: ").append(name).append("\n  zonefile: \"").append(f).append("\"\n");
        }
        // A secondary whose primary (the discard port) never answers: NSD serves SERVFAIL for it.
        c.append("zone:\n  name: ").append(SERVFAIL_ZONE).append("\n  request-xfr: 127.0.0.1@9 NOKEY\n");
        return c.toString();
    }

    private static String firstZone(Path zones) throws IOException {
        try (var list = Files.list(zones)) {
            return list.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".zone")).sorted().findFirst()
                    .orElseThrow(() -> new IOException("no .zone file in " + zones)).replaceAll("\\.zone$", ".");
        }
    }

    /** Asks {@code server} until an answer is {@code ready}, the process dies, or {@code limit} passes. */
    static boolean awaitAnswer(Process process, InetSocketAddress server, Message query, Predicate<Message> ready,
                               Duration limit) {
        SimpleResolver probe = new SimpleResolver(server);
        probe.setTimeout(Duration.ofMillis(200));
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                if (ready.test(probe.send(query))) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    static int freePort() throws IOException {
        // A port free for both UDP and TCP, as NSD binds both.
        for (int i = 0; i < 20; i++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                 DatagramSocket udp = new DatagramSocket(tcp.getLocalPort(), InetAddress.getLoopbackAddress())) {
                return tcp.getLocalPort();
            } catch (IOException e) {
                // UDP side taken: try another
            }
        }
        throw new IOException("no free port for NSD");
    }

    private static Path resourceZones() {
        try {
            return Path.of(Nsd.class.getResource("/zones").toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test zones not on the classpath", e);
        }
    }

    private static String readIfExists(Path f) throws IOException {
        return Files.exists(f) ? Files.readString(f) : "";
    }

    @Override
    public void close() {
        if (resolver != null) {
            resolver.close();
        }
        stop(process);
    }

    /** Ends a server started in the foreground: politely, then forcibly after 5 s. */
    static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
