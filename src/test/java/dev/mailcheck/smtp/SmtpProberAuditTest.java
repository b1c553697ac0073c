package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.Reason;
import dev.mailcheck.address.AddressParser;
import dev.mailcheck.address.EmailAddress;
import dev.mailcheck.address.ParsedAddress;
import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MxHost;
import dev.mailcheck.testbed.Postfix;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.Year;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The politeness audit ({@code bench/smtp-audit}, which does this for the CLI over minutes) in seconds: the prober
 * over many domains on the test Postfix's listeners, judged from the server's side, Postfix's own log, which tags
 * each listener's lines ({@link Postfix#listener}) and logs every RCPT. Sessions at once per listener and in all
 * never above the limits; new sessions per listener and RCPTs per provider group never ahead of their budgets in any
 * window (the log's stamps are to the second: a window gets a second's worth more, and RCPTs one transaction's worth,
 * since a transaction's RCPTs go out together); nothing after a 354, nothing queued.
 */
class SmtpProberAuditTest {

    private static final Pattern LINE = Pattern.compile(
            "^(\\w{3} +\\d+ \\d\\d:\\d\\d:\\d\\d) \\S+ postfix/a\\d+/smtpd\\[(\\d+)\\]: (.*)$");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy MMM d HH:mm:ss", Locale.ENGLISH);
    private static final Pattern RCPT_TO = Pattern.compile("info: RCPT from .* to=<[^@>]*@([^>]+)>");
    private static final Pattern AFTER_DATA = Pattern.compile("after DATA \\((\\d+) bytes\\)");

    /**
     * @param hosts MX host name (a provider group of its own) to its listener and how many domains it serves
     */
    record Run(String name, boolean data, int perHost, int sessions, int rcptsPerTransaction, int connectsPerSecond,
               int rcptsPerSecond, int firstDomain, Map<String, String> hosts, Map<String, Integer> domains) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Run> runs() {
        Map<String, String> hosts = new LinkedHashMap<>();
        hosts.put("mxa.audit.test", "127.0.0.2");
        hosts.put("mxb.audit.test", "127.0.0.2"); // a second provider group on the same MX address
        hosts.put("mxs.audit.test", "127.0.0.1"); // strict: unknown mailboxes are refused, errors are counted
        return Stream.of(
                new Run("RCPT probes: 2 sessions per address, 3 in all, 2 RCPTs a transaction, 4 sessions/s, 10 RCPTs/s",
                        false, 2, 3, 2, 4, 10, 12000, hosts, Map.of("mxa.audit.test", 14, "mxb.audit.test", 6,
                        "mxs.audit.test", 8)),
                new Run("--smtp-data (a session a transaction): 2 per address, 64 in all, 3 RCPTs a transaction,"
                        + " 3 sessions/s, 8 RCPTs/s", true, 2, 64, 3, 3, 8, 12100, hosts,
                        Map.of("mxa.audit.test", 8, "mxb.audit.test", 4, "mxs.audit.test", 6)));
    }

    private static EmailAddress address(String a) {
        return ((ParsedAddress.Valid) new AddressParser().parse(a)).address();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runs")
    void theServerSeesTheLimitsHeld(Run run) {
        Postfix postfix = Postfix.shared();
        SmtpSettings settings = SmtpSettings.defaults().withHelo("prober.test").withPort(postfix.port())
                .withStarttls(false).withLinger(Duration.ofMillis(50)).withData(run.data())
                .withPerHostSessions(run.perHost()).withSessions(run.sessions())
                .withRcptsPerTransaction(run.rcptsPerTransaction());
        Pacing pacing = new Pacing(true, Pacing.DEFAULT_COOL_DOWN, run.connectsPerSecond() * 60,
                run.rcptsPerSecond() * 60);
        // Three addresses a domain, interleaved over the domains as a list would have them.
        Map<String, String> groupOf = new HashMap<>();
        List<String[]> domains = new ArrayList<>();
        int n = run.firstDomain();
        for (Map.Entry<String, String> h : run.hosts().entrySet()) {
            for (int i = 0; i < run.domains().get(h.getKey()); i++) {
                String d = "d" + n++ + "." + Postfix.BENCH_DOMAIN;
                groupOf.put(d, h.getKey());
                domains.add(new String[] {d, h.getKey(), h.getValue()});
            }
        }
        int mark = postfix.logMark();
        List<CompletableFuture<SmtpOutcome>> all = new ArrayList<>();
        try (SmtpProber prober = new SmtpProber(settings, pacing)) {
            for (String user : List.of("alice", "nobody1", "nobody2")) {
                for (String[] d : domains) {
                    MailDomain domain = new MailDomain(d[0], Reason.ACCEPTS_MAIL, "",
                            List.of(new MxHost(10, d[1], List.of(d[2]))), null, false, 60, Map.of());
                    all.add(prober.probe(address(user + "@" + d[0]), domain));
                }
            }
            Set<Reason> answered = Set.of(Reason.ACCEPT_ALL, Reason.MAILBOX_ACCEPTED, Reason.MAILBOX_REJECTED);
            all.forEach(f -> assertTrue(answered.contains(f.join().reason()), f.join().detail()));
        }
        String log = postfix.logSince(mark);

        Map<String, List<Long>> connects = new HashMap<>();
        Map<String, List<Long>> rcpts = new HashMap<>();
        Map<String, Integer> now = new HashMap<>();
        Map<String, Integer> peak = new HashMap<>();
        Map<String, String> open = new HashMap<>(); // smtpd pid -> listener of its open session
        int total = 0;
        int peakTotal = 0;
        for (String line : log.lines().toList()) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            long t = LocalDateTime.parse(Year.now().getValue() + " " + m.group(1).replaceAll(" +", " "), STAMP)
                    .toEpochSecond(ZoneOffset.UTC);
            String listener = Postfix.listener(line);
            String pid = m.group(2);
            String msg = m.group(3);
            if (msg.startsWith("connect from ")) {
                connects.computeIfAbsent(listener, k -> new ArrayList<>()).add(t);
                open.put(pid, listener);
                total++;
                peakTotal = Math.max(peakTotal, total);
                peak.merge(listener, now.merge(listener, 1, Integer::sum), Math::max);
            } else if (msg.startsWith("disconnect from ") && open.remove(pid) != null) {
                total--;
                now.merge(listener, -1, Integer::sum);
            }
            Matcher r = RCPT_TO.matcher(msg);
            if (r.find() && groupOf.containsKey(r.group(1).toLowerCase(Locale.ROOT))) {
                rcpts.computeIfAbsent(groupOf.get(r.group(1).toLowerCase(Locale.ROOT)), k -> new ArrayList<>()).add(t);
            }
            Matcher b = AFTER_DATA.matcher(msg);
            assertTrue(!b.find() || b.group(1).equals("0"), "bytes sent after DATA's 354: " + line);
        }
        assertEquals(Set.of("127.0.0.1", "127.0.0.2"), new HashSet<>(connects.keySet()), "listeners dialled");
        peak.forEach((listener, p) -> assertTrue(p <= run.perHost(),
                listener + ": " + p + " sessions at once (limit " + run.perHost() + ")"));
        assertTrue(peakTotal <= run.sessions(), peakTotal + " sessions at once in all (limit " + run.sessions() + ")");
        connects.forEach((listener, times) -> assertWithinBudget("new sessions at " + listener, times,
                run.connectsPerSecond(), 1));
        assertEquals(run.hosts().keySet(), rcpts.keySet(), "groups asked");
        rcpts.forEach((group, times) -> assertWithinBudget("RCPTs at " + group, times, run.rcptsPerSecond(),
                run.rcptsPerTransaction() + 1));
        // Each domain's three addresses and its catch-all test, each asked once.
        assertEquals(4 * domains.size(), rcpts.values().stream().mapToInt(List::size).sum(), "RCPTs in the log");
        assertEquals(List.of(), Postfix.deliveryLines(log), "Postfix queued or delivered something");
        assertTrue(postfix.queueEmpty(), "the Postfix queue is not empty");
    }

    /**
     * Events {@code times} (seconds, in order) never ahead of a budget of {@code perSecond} spread evenly: in every
     * window from one event to a later one, at most the budget of the window, a second more for the stamps' rounding,
     * and {@code burst} (the events that go out together: one, or a transaction's RCPTs).
     */
    private static void assertWithinBudget(String what, List<Long> times, int perSecond, int burst) {
        List<Long> sorted = times.stream().sorted().toList();
        for (int i = 0; i < sorted.size(); i++) {
            for (int j = i + 1; j < sorted.size(); j++) {
                long seconds = sorted.get(j) - sorted.get(i);
                long allowed = perSecond * (seconds + 1) + burst;
                assertTrue(j - i + 1 <= allowed, what + ": " + (j - i + 1) + " within " + seconds + " s (stamps to the"
                        + " second), a budget of " + perSecond + "/s allows " + allowed);
            }
        }
    }
}
