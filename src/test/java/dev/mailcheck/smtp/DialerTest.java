package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.Reason;
import dev.mailcheck.address.AddressParser;
import dev.mailcheck.address.ParsedAddress;
import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MxHost;
import dev.mailcheck.smtp.SmtpReport.StartTls;
import dev.mailcheck.testbed.FakeSmtpServer;
import dev.mailcheck.testbed.FakeSmtpServer.Script;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which MX address a domain's session is opened with: the first, in preference order, that takes one; a
 * refused connection or a deferral moves on to the next, a permanent refusal of the greeting is the domain's
 * answer and spares the rest, a failed TLS handshake is followed by plain SMTP on a new connection. The
 * servers are the in-process fake on one port of several loopback addresses (the probe dials every MX on one
 * port); an address with no server refuses the connection.
 */
class DialerTest {

    private static final Duration STAGE = Duration.ofSeconds(5);

    /** A server that works (without STARTTLS: the fake speaks no TLS). */
    private static final Script WORKS = c -> {
        c.send("220 works\r\n");
        c.serve(FakeSmtpServer::ordinary);
    };
    private static final Script REFUSES_PERMANENTLY = c -> c.send("554 5.7.1 no mail service here\r\n");
    private static final Script DEFERS = c -> c.send("421 4.3.2 too busy, try later\r\n");
    /** Says yes to STARTTLS, then answers the handshake with plain text. */
    private static final Script BREAKS_TLS = c -> {
        c.send("220 broken tls\r\n");
        String line;
        while ((line = c.readLine()) != null) {
            if (line.startsWith("STARTTLS")) {
                c.send("220 go ahead\r\n");
                c.send("this is not TLS\r\n");
                return;
            }
            c.send(line.startsWith("EHLO") ? "250-broken.test\r\n250 STARTTLS\r\n" : FakeSmtpServer.ordinary(line.split(" ")[0]));
        }
    };

    /**
     * @param mx        each MX address's server, in preference order; null: nothing listens there
     * @param sessionAt the MX address the session is opened with, or null when none is
     * @param reason    the domain's answer when no session is opened
     * @param dialled   connections each MX address received
     */
    record Scenario(String name, List<Script> mx, String sessionAt, StartTls tls, Reason reason, List<Integer> dialled) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static List<Script> mx(Script... servers) {
        return java.util.Arrays.asList(servers);
    }

    static Stream<Scenario> scenarios() {
        return Stream.of(
                new Scenario("the first MX takes the session", mx(WORKS, WORKS), "127.0.0.11", StartTls.NOT_OFFERED, null,
                        List.of(1, 0)),
                new Scenario("a refused connection moves on to the next MX", mx(null, WORKS), "127.0.0.12",
                        StartTls.NOT_OFFERED, null, List.of(0, 1)),
                new Scenario("a deferral at the greeting moves on to the next MX", mx(DEFERS, WORKS), "127.0.0.12",
                        StartTls.NOT_OFFERED, null, List.of(1, 1)),
                new Scenario("a permanent greeting refusal is the domain's answer: the next MX is spared",
                        mx(REFUSES_PERMANENTLY, WORKS), null, null, Reason.SMTP_BLOCKED, List.of(1, 0)),
                new Scenario("a failed TLS handshake: plain SMTP on a second connection", mx(BREAKS_TLS), "127.0.0.11",
                        StartTls.FAILED, null, List.of(2)),
                new Scenario("no MX takes a connection", mx(null, null), null, null, Reason.SMTP_UNREACHABLE, List.of(0, 0)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void aSessionIsOpenedWithTheFirstMxThatTakesOne(Scenario c) throws Exception {
        int port = freePort();
        List<FakeSmtpServer> servers = new ArrayList<>();
        List<MxHost> hosts = new ArrayList<>();
        try {
            for (int i = 0; i < c.mx().size(); i++) {
                String address = "127.0.0." + (11 + i);
                hosts.add(new MxHost(10 * (i + 1), "mx" + i + ".dialer.test", List.of(address)));
                servers.add(c.mx().get(i) == null ? null
                        : new FakeSmtpServer(InetAddress.getByName(address), port, c.mx().get(i)));
            }
            SmtpSettings settings = SmtpSettings.defaults().withHelo("prober.test").withPort(port).withStarttls(true)
                    .withTimeouts(Map.of(Stage.CONNECT, STAGE, Stage.GREETING, STAGE, Stage.EHLO, STAGE,
                            Stage.STARTTLS, STAGE));
            Dialer dialer = new Dialer(settings, new ProbeGuard(Pacing.off(), ProviderGroups.bundled(),
                    new LocalBreakerState(), new LocalRateBudget(), InstantSource.system()));
            MailDomain domain = new MailDomain("dialer.test", Reason.ACCEPTS_MAIL, "", hosts, null, false, 300, Map.of());
            LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
            queue.add(new Pending(((ParsedAddress.Valid) new AddressParser().parse("user@dialer.test")).address(), null));
            Held held = new Held(1);
            held.fill(queue, Duration.ZERO);

            Dialer.Opened opened = dialer.open("dialer.test", Plan.of(domain), held, held.size());
            assertNotNull(opened, "somebody still waits for the address");
            if (c.sessionAt() != null) {
                try (opened) {
                    assertNotNull(opened.session, () -> opened.failure.detail());
                    assertEquals(c.sessionAt(), opened.session.address().getHostAddress());
                    assertEquals(c.tls(), opened.session.starttls());
                }
            } else {
                assertNull(opened.session);
                assertEquals(c.reason(), opened.failure.reason(), opened.failure.detail());
            }
            assertEquals(c.dialled(), servers.stream().map(s -> s == null ? 0 : s.connections()).toList());
            assertEquals(c.dialled().stream().mapToInt(Integer::intValue).sum(), dialer.connections(),
                    "connections counted");
        } finally {
            servers.stream().filter(s -> s != null).forEach(FakeSmtpServer::close);
        }
    }

    /**
     * @param mx      each MX address's server, in preference order; null: nothing listens there
     * @param dialled connections each MX address received, each of them a new session out of its budget
     */
    record Budgeted(String name, List<Script> mx, List<Integer> dialled) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Budgeted> budgeted() {
        return Stream.of(
                new Budgeted("one session, one connection", mx(WORKS), List.of(1)),
                new Budgeted("a deferral at the greeting, then the next MX: one connection each", mx(DEFERS, WORKS),
                        List.of(1, 1)),
                // Found by the server-side audit's review (bench/smtp-audit): the plain retry dialled at once, outside
                // the budget, two connections in a few milliseconds whatever --smtp-connect-rate said.
                new Budgeted("a failed TLS handshake: the plain retry is a new session, a share of the budget later",
                        mx(BREAKS_TLS), List.of(2)));
    }

    /**
     * Every connection an MX address receives is a new session out of its budget (--smtp-connect-rate): reserved,
     * and a share of the minute after the one before it at that address.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("budgeted")
    void everyConnectionIsANewSessionOfTheBudget(Budgeted c) throws Exception {
        int port = freePort();
        int perMinute = 120; // a share of 500 ms
        Duration share = Duration.ofMillis(500);
        List<FakeSmtpServer> servers = new ArrayList<>();
        List<MxHost> hosts = new ArrayList<>();
        Map<String, List<Long>> connectedAt = new ConcurrentHashMap<>();
        Map<String, Integer> reserved = new ConcurrentHashMap<>();
        LocalRateBudget local = new LocalRateBudget();
        RateBudget counting = new RateBudget() {
            @Override
            public Instant reserve(String key, int permits, int perMinute, Instant now) {
                reserved.merge(key, permits, Integer::sum);
                return local.reserve(key, permits, perMinute, now);
            }

            @Override
            public Instant nextFree(String key) {
                return local.nextFree(key);
            }
        };
        try {
            for (int i = 0; i < c.mx().size(); i++) {
                String address = "127.0.0." + (11 + i);
                hosts.add(new MxHost(10 * (i + 1), "mx" + i + ".dialer.test", List.of(address)));
                Script script = c.mx().get(i);
                List<Long> times = connectedAt.computeIfAbsent(address, a -> new CopyOnWriteArrayList<>());
                servers.add(script == null ? null : new FakeSmtpServer(InetAddress.getByName(address), port, conv -> {
                    times.add(System.nanoTime());
                    script.run(conv);
                }));
            }
            SmtpSettings settings = SmtpSettings.defaults().withHelo("prober.test").withPort(port).withStarttls(true)
                    .withTimeouts(Map.of(Stage.CONNECT, STAGE, Stage.GREETING, STAGE, Stage.EHLO, STAGE,
                            Stage.STARTTLS, STAGE));
            Dialer dialer = new Dialer(settings, new ProbeGuard(new Pacing(false, Pacing.DEFAULT_COOL_DOWN, perMinute, 0),
                    ProviderGroups.bundled(), new LocalBreakerState(), counting, InstantSource.system()));
            MailDomain domain = new MailDomain("dialer.test", Reason.ACCEPTS_MAIL, "", hosts, null, false, 300, Map.of());
            LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
            queue.add(new Pending(((ParsedAddress.Valid) new AddressParser().parse("user@dialer.test")).address(), null));
            Held held = new Held(1);
            held.fill(queue, Duration.ZERO);

            try (Dialer.Opened opened = dialer.open("dialer.test", Plan.of(domain), held, held.size())) {
                assertNotNull(opened.session, () -> opened.failure.detail());
            }
            assertEquals(c.dialled(), servers.stream().map(s -> s == null ? 0 : s.connections()).toList());
            for (int i = 0; i < c.mx().size(); i++) {
                String address = "127.0.0." + (11 + i);
                assertEquals(c.dialled().get(i), reserved.getOrDefault("session " + address, 0),
                        "new sessions reserved at " + address);
                List<Long> times = connectedAt.get(address);
                for (int k = 1; k < times.size(); k++) {
                    long gap = times.get(k) - times.get(k - 1);
                    assertTrue(gap >= share.minusMillis(50).toNanos(),
                            address + ": connection " + (k + 1) + " came " + gap / 1_000_000 + " ms after the one before"
                                    + " (a share of the budget is " + share.toMillis() + " ms)");
                }
            }
        } finally {
            servers.stream().filter(s -> s != null).forEach(FakeSmtpServer::close);
        }
    }
}
