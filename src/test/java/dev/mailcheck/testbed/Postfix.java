package dev.mailcheck.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A real MTA (Debian's Postfix) on one free high port of three loopback addresses, with its own
 * config and queue directories, delivering nothing anywhere:
 * <ul>
 * <li>127.0.0.1 is strict: only the users in {@link #USERS} exist (others get 550 5.1.1);
 *     {@code full@} gets 552 5.2.2, {@code policy@} 554 5.7.1, and {@code dbeb@}, {@code banned@}
 *     and {@code overquota@} Microsoft 365's and Gmail's replies from an access map;</li>
 * <li>127.0.0.2 accepts any local part (catch-all);</li>
 * <li>127.0.0.3 greylists every recipient through postgrey (450 4.2.0);</li>
 * <li>127.0.0.4 greylists too, through a second postgrey that lets a retry through after
 *     {@link #SHORT_GREYLIST} (for rechecks); otherwise strict like 127.0.0.1.</li>
 * </ul>
 * Postfix offers STARTTLS with a throw-away self-signed certificate. Its log shows every
 * connection, so tests can count them and prove that nothing was queued or delivered.
 */
public final class Postfix implements AutoCloseable {

    public static final List<String> DOMAINS = List.of("strict.smtp.test", "catchall.smtp.test",
            "greylist.smtp.test", "failover.smtp.test", "shortgrey.smtp.test");
    /**
     * The delay of 127.0.0.4's postgrey. A triplet (client, sender, recipient) passes once it is retried this
     * long after its first try; tests use a sender of their own so that no other test's triplet has passed.
     */
    public static final java.time.Duration SHORT_GREYLIST = java.time.Duration.ofSeconds(2);
    /** The parent of the benchmark's domains (d0, d1, ...), which the benchmark's zone points at 127.0.0.2. */
    public static final String BENCH_DOMAIN = "bench.smtp.test";
    public static final List<String> USERS = List.of("alice", "bob", "ünïcode");
    /** Log lines of a message that was queued (cleanup's message-id, qmgr's queue active) or left the queue. */
    private static final Pattern DELIVERY = Pattern.compile(
            "status=(sent|deferred|bounced)|: removed|message-id=|\\(queue active\\)");
    /** Where Postfix keeps messages at every step from submission to delivery. */
    private static final List<String> QUEUES = List.of("maildrop", "incoming", "active", "deferred", "hold", "corrupt");
    private static Postfix shared;
    private static RuntimeException failedToStart;

    private final Path dir;
    private final int port;
    private final List<Process> postgreys;

    private Postfix(Path dir, int port, List<Process> postgreys) {
        this.dir = dir;
        this.port = port;
        this.postgreys = postgreys;
    }

    public static synchronized Postfix shared() {
        if (failedToStart != null) {
            throw failedToStart;
        }
        if (shared == null) {
            try {
                shared = start();
            } catch (RuntimeException e) {
                failedToStart = e;
                throw e;
            }
            Postfix p = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(p::close));
        }
        return shared;
    }

    public int port() {
        return port;
    }

    private static Postfix start() {
        for (String bin : List.of("/usr/sbin/postfix", "/usr/sbin/postgrey", "/usr/bin/openssl")) {
            if (!Files.isExecutable(Path.of(bin))) {
                throw new IllegalStateException(bin + " is not installed: run scripts/test.sh, which installs the"
                        + " Debian packages the tests need");
            }
        }
        try {
            // Postfix's and postgrey's own users must be able to reach their directories inside.
            Path dir = Files.createTempDirectory("postfix-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            int port = freePort();
            int policyPort = freePort();
            int shortPolicyPort = freePort();
            Path etc = Files.createDirectories(dir.resolve("etc"));
            Path data = Files.createDirectories(dir.resolve("data"));
            Files.createDirectories(dir.resolve("spool"));
            Path greyDb = Files.createDirectories(dir.resolve("postgrey"));
            Path shortGreyDb = Files.createDirectories(dir.resolve("postgrey-short"));
            run("chown", "postfix", data.toString());
            run("chown", "postgrey", greyDb.toString());
            run("chown", "postgrey", shortGreyDb.toString());
            run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=mx.smtp.test",
                    "-keyout", etc.resolve("key.pem").toString(), "-out", etc.resolve("cert.pem").toString());
            Files.writeString(etc.resolve("users"), String.join("", USERS.stream().map(u -> u + " x\n").toList()));
            Files.writeString(etc.resolve("access"), "full@strict.smtp.test 552 5.2.2 Mailbox full\n"
                    + "policy@strict.smtp.test 554 5.7.1 Access denied\n"
                    // Big providers' own replies (see ReplyMeaning): Postfix sends the code and text given here.
                    + "dbeb@strict.smtp.test 550 5.4.1 Recipient address rejected: Access denied. AS(201806281)\n"
                    + "banned@strict.smtp.test 550 5.7.606 Access denied, banned sending IP [127.0.0.1]\n"
                    + "overquota@strict.smtp.test 452 4.2.2 The email account that you tried to reach is over quota.\n");
            // 127.0.0.5 refuses every client as a block-listed IP, the way a provider's MX does (Postfix
            // delays the refusal to RCPT): the block breaker's real-server case.
            Files.writeString(etc.resolve("blocked-clients"), "127.0.0.0/8 REJECT Your IP has been found on a block list\n");
            // Benchmarks spread addresses over many domains: any dN.bench.smtp.test is local too.
            Files.writeString(etc.resolve("destinations"), "/^d[0-9]+\\." + BENCH_DOMAIN.replace(".", "\\.") + "$/ ok\n");
            Files.writeString(etc.resolve("main.cf"), mainCf(dir));
            Files.writeString(etc.resolve("master.cf"), masterCf(port, policyPort, shortPolicyPort, etc));
            Postfix p = new Postfix(dir, port, List.of(postgrey(dir, "postgrey", policyPort, 3600),
                    postgrey(dir, "postgrey-short", shortPolicyPort, SHORT_GREYLIST.toSeconds())));
            try {
                run("/usr/sbin/postfix", "-c", etc.toString(), "start");
                p.awaitListening();
            } catch (IOException e) {
                p.close();
                throw e;
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Postfix", e);
        }
    }

    /** No auto-whitelisting: a client that passed a few times would otherwise never be greylisted again. */
    private static Process postgrey(Path dir, String name, int port, long delaySeconds) throws IOException {
        return new ProcessBuilder("/usr/sbin/postgrey", "--inet=127.0.0.1:" + port, "--dbdir=" + dir.resolve(name),
                "--delay=" + delaySeconds, "--auto-whitelist-clients=0", "--pidfile=" + dir.resolve(name + ".pid"))
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
    }

    private static String mainCf(Path dir) {
        Path etc = dir.resolve("etc");
        return String.join("\n",
                "compatibility_level = 3.6",
                "queue_directory = " + dir.resolve("spool"),
                "data_directory = " + dir.resolve("data"),
                "mail_owner = postfix",
                "setgid_group = postdrop",
                // Explicit addresses in master.cf do the binding; this is Postfix's own idea of "me".
                "inet_interfaces = 127.0.0.1",
                "inet_protocols = ipv4",
                "myhostname = mx.smtp.test",
                "mydestination = " + String.join(", ", DOMAINS) + ", regexp:" + etc.resolve("destinations"),
                "local_recipient_maps = texthash:" + etc.resolve("users"),
                "alias_maps =",
                "alias_database =",
                // Nothing leaves: local mail is discarded, everything else fails at once, no DNS.
                "local_transport = discard:the test bed delivers nothing",
                "default_transport = error:the test bed sends nothing",
                "relay_transport = error:the test bed relays nothing",
                "smtp_dns_support_level = disabled",
                "smtpd_relay_restrictions = reject_unauth_destination",
                "smtpd_recipient_restrictions = " + RCPT_LOG + ", check_recipient_access texthash:"
                        + etc.resolve("access"),
                "smtpd_tls_security_level = may",
                "smtpd_tls_cert_file = " + etc.resolve("cert.pem"),
                "smtpd_tls_key_file = " + etc.resolve("key.pem"),
                "smtputf8_enable = yes",
                "maillog_file = " + dir.resolve("maillog"),
                "maillog_file_prefixes = " + dir,
                "biff = no",
                "");
    }

    /**
     * Every RCPT is logged ("info: RCPT from ...: ; from=<...> to=<...>"), accepted ones too, which Postfix
     * otherwise leaves out of its log: the server's own count of RCPTs, for audits of the prober's budgets.
     */
    private static final String RCPT_LOG = "check_recipient_access,static:INFO";

    /**
     * The listener on 127.0.0.{@code n} logs as {@code postfix/a<n>/smtpd[pid]}: a connect line names the client, not
     * the address it reached, so this tells the listeners apart (see {@link #listener}).
     */
    private static String tagged(int n) {
        return " -o syslog_name=postfix/a" + n;
    }

    /** The listener address (127.0.0.n) that logged {@code line}, or null for a line of no listener. */
    public static String listener(String line) {
        java.util.regex.Matcher m = Pattern.compile(" postfix/a(\\d+)/smtpd\\[").matcher(line);
        return m.find() ? "127.0.0." + m.group(1) : null;
    }

    private static String masterCf(int port, int policyPort, int shortPolicyPort, Path etc) {
        return String.join("\n",
                "127.0.0.1:" + port + " inet n - n - - smtpd" + tagged(1),
                "127.0.0.2:" + port + " inet n - n - - smtpd -o local_recipient_maps=" + tagged(2),
                "127.0.0.3:" + port + " inet n - n - - smtpd" + tagged(3)
                        + " -o smtpd_recipient_restrictions=" + RCPT_LOG + ",check_policy_service,inet:127.0.0.1:"
                        + policyPort,
                "127.0.0.4:" + port + " inet n - n - - smtpd" + tagged(4)
                        + " -o smtpd_recipient_restrictions=" + RCPT_LOG + ",check_policy_service,inet:127.0.0.1:"
                        + shortPolicyPort,
                "127.0.0.5:" + port + " inet n - n - - smtpd" + tagged(5)
                        + " -o smtpd_client_restrictions=check_client_access,cidr:" + etc.resolve("blocked-clients"),
                "pickup unix n - n 60 1 pickup",
                "cleanup unix n - n - 0 cleanup",
                "qmgr unix n - n 300 1 qmgr",
                "tlsmgr unix - - n 1000? 1 tlsmgr",
                "rewrite unix - - n - - trivial-rewrite",
                "bounce unix - - n - 0 bounce",
                "defer unix - - n - 0 bounce",
                "trace unix - - n - 0 bounce",
                "verify unix - - n - 1 verify",
                "flush unix n - n 1000? 0 flush",
                "proxymap unix - - n - - proxymap",
                "proxywrite unix - - n - 1 proxymap",
                "smtp unix - - n - - smtp",
                "relay unix - - n - - smtp",
                "showq unix n - n - - showq",
                "error unix - - n - - error",
                "retry unix - - n - - error",
                "discard unix - - n - - discard",
                "local unix - n n - - local",
                "anvil unix - - n - 1 anvil",
                "scache unix - - n - 1 scache",
                "postlog unix-dgram n - n - 1 postlogd",
                "");
    }

    private void awaitListening() throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        for (String host : List.of("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")) {
            while (true) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getByName(host), port), 500);
                    s.setSoTimeout(5000);
                    if (s.getInputStream().read() == '2') {
                        break;
                    }
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("Postfix did not answer on " + host + ":" + port + ": " + log(), e);
                    }
                }
                sleep(100);
            }
        }
    }

    /** Postfix's log file. */
    public Path maillog() {
        return dir.resolve("maillog");
    }

    /** The mail log so far. */
    public String log() {
        try {
            Path log = dir.resolve("maillog");
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the log ends now; pass to {@link #logSince}. */
    public int logMark() {
        return log().length();
    }

    /**
     * The log from {@code mark}, once every session in it has ended (smtpd logs its "disconnect"
     * line after the client has gone, so tests wait for it).
     */
    public String logSince(int mark) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            String since = log().substring(mark);
            long connects = count(since, "]: connect from ");
            long disconnects = count(since, "]: disconnect from ");
            if (connects <= disconnects || System.nanoTime() > deadline) {
                return since;
            }
            sleep(50);
        }
    }

    public static long connections(String log) {
        return count(log, "]: connect from ");
    }

    /** Lines that would show a message entering the queue or leaving it; a probe must cause none. */
    public static List<String> deliveryLines(String log) {
        return log.lines().filter(l -> DELIVERY.matcher(l).find()).toList();
    }

    /** Files in the queue directories themselves, as a second witness beside postqueue. */
    public long queuedFiles() {
        long n = 0;
        for (String queue : QUEUES) {
            Path q = dir.resolve("spool").resolve(queue);
            if (Files.isDirectory(q)) {
                try (var files = Files.walk(q)) {
                    n += files.filter(Files::isRegularFile).count();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return n;
    }

    public boolean queueEmpty() {
        try {
            Process p = new ProcessBuilder("/usr/sbin/postqueue", "-c", dir.resolve("etc").toString(), "-p")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out.contains("Mail queue is empty");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static long count(String text, String needle) {
        long n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    /** A port free on every address Postfix will listen on. */
    private static int freePort() throws IOException {
        for (int i = 0; i < 50; i++) {
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                port = probe.getLocalPort();
            }
            if (freeOn(port, "127.0.0.2") && freeOn(port, "127.0.0.3") && freeOn(port, "127.0.0.4")) {
                return port;
            }
        }
        throw new IOException("no port free on 127.0.0.1-4");
    }

    private static boolean freeOn(int port, String host) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName(host))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void run(String... command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        try {
            run("/usr/sbin/postfix", "-c", dir.resolve("etc").toString(), "stop");
        } catch (IOException e) {
            // already gone
        }
        postgreys.forEach(Process::destroy);
    }
}
