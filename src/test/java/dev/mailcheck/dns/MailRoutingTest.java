package dev.mailcheck.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailcheck.LoggedDefects;
import dev.mailcheck.Reason;
import dev.mailcheck.dns.MxResolver.HostLookup;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TextParseException;

/**
 * The DNS stage's judgement with no network: what DNS answered, written out in the table, and the
 * {@link MailDomain} it gives. MxResolverTest has the same situations against a real NSD.
 */
class MailRoutingTest {

    private static final String DOMAIN = "example.test";
    private static final long MX_TTL = 3600;
    private static final long HOST_TTL = 600;
    /** One host's answers: "name: address address (why none is global)" or "name: !why the lookup failed". */
    private static final Pattern HOST = Pattern.compile("(\\S+):([^(!]*)(?:\\((.*)\\))?(?:!(.*))?");

    /**
     * MX answer: "NXDOMAIN", "FAILED: why", "none" (no MX records: the hosts column is the domain's own
     * lookup) or preference-target pairs in the order DNS gave them, "." being a null MX. Hosts: the
     * answers for the MX hosts in preference order, ";" between them.
     */
    @ParameterizedTest(name = "{0} -> {4}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # situation                 | MX answer                  | hosts                                            | private allowed | reason             | TTL  | detail
            no such domain              | NXDOMAIN                   | -                                                | false | NO_SUCH_DOMAIN     | 300  | DNS says example.test does not exist (NXDOMAIN).
            MX lookup failed            | FAILED: the server answered SERVFAIL | -                                      | false | DNS_FAILURE        | 30   | The MX lookup for example.test failed: the server answered SERVFAIL.
            null MX                     | 0 .                        | -                                                | false | NULL_MX            | 3600 | example.test publishes a null MX (MX 0 .): per RFC 7505 it accepts no mail, and its A/AAAA records are not a fallback.
            null MX of preference 10    | 10 .                       | -                                                | false | NULL_MX            | 3600 | example.test publishes a null MX (MX 10 .): per RFC 7505 it accepts no mail, and its A/AAAA records are not a fallback.
            one MX host                 | 10 mx1.example.test        | mx1.example.test: 192.0.2.1                      | false | ACCEPTS_MAIL       | 600  | Mail for example.test goes to mx1.example.test (preference 10).
            two, listed out of order    | 20 mx2.example.test 10 mx1.example.test | mx1.example.test: 192.0.2.1; mx2.example.test: 2001:db8::2 | false | ACCEPTS_MAIL | 600 | Mail for example.test goes to mx1.example.test (preference 10) or 1 other MX host.
            three                       | 10 a.test 20 b.test 30 c.test | a.test: 192.0.2.1; b.test: 192.0.2.2; c.test: 192.0.2.3 | false | ACCEPTS_MAIL  | 600  | Mail for example.test goes to a.test (preference 10) or 2 other MX hosts.
            first host has no address   | 10 gone.test 20 b.test     | gone.test: ; b.test: 192.0.2.2                   | false | ACCEPTS_MAIL       | 600  | Mail for example.test goes to b.test (preference 20).
            null MX beside a real one   | 0 . 10 mx1.example.test    | mx1.example.test: 192.0.2.1                      | false | ACCEPTS_MAIL       | 600  | Mail for example.test goes to mx1.example.test (preference 10). A null MX is published beside real MX records; the real ones were used.
            no host has an address      | 10 gone.test 20 lost.test  | gone.test: ; lost.test:                          | false | MX_UNRESOLVABLE    | 300  | None of the MX hosts of example.test (gone.test, lost.test) has an A or AAAA record.
            host lookup failed          | 10 mx.broken.test          | mx.broken.test: !A the server answered SERVFAIL  | false | DNS_FAILURE        | 30   | No MX host of example.test could be resolved because DNS failed (mx.broken.test: A the server answered SERVFAIL).
            one failed, one empty       | 10 gone.test 20 mx.broken.test | gone.test: ; mx.broken.test: !AAAA no answer within 5000 ms | false | DNS_FAILURE | 30 | No MX host of example.test could be resolved because DNS failed (mx.broken.test: AAAA no answer within 5000 ms).
            only a private host         | 10 mx.example.test         | mx.example.test: 10.1.2.3 (private (RFC 1918))   | false | MX_PRIVATE_ADDRESS | 600  | No MX host of example.test has an address on the Internet: mx.example.test resolves to 10.1.2.3 (private (RFC 1918)).
            two private addresses       | 10 mx.example.test         | mx.example.test: 127.0.0.1 ::1 (loopback)        | false | MX_PRIVATE_ADDRESS | 600  | No MX host of example.test has an address on the Internet: mx.example.test resolves to 127.0.0.1 (loopback) and 1 more such.
            two private hosts           | 10 a.test 20 b.test        | a.test: 127.0.0.1 (loopback); b.test: fd00::25 (unique local (ULA)) | false | MX_PRIVATE_ADDRESS | 600 | No MX host of example.test has an address on the Internet: a.test resolves to 127.0.0.1 (loopback); b.test resolves to fd00::25 (unique local (ULA)).
            private one left out        | 10 lo.test 20 mx.example.test | lo.test: 127.0.0.1 (loopback); mx.example.test: 192.0.2.1 | false | ACCEPTS_MAIL | 600 | Mail for example.test goes to mx.example.test (preference 20). Not on the Internet, so left out: lo.test resolves to 127.0.0.1 (loopback).
            a private host, allowed     | 10 mx.example.test         | mx.example.test: 10.1.2.3 (private (RFC 1918))   | true  | ACCEPTS_MAIL       | 600  | Mail for example.test goes to mx.example.test (preference 10).
            a failure beats private     | 10 lo.test 20 mx.broken.test | lo.test: 127.0.0.1 (loopback); mx.broken.test: !A the server answered REFUSED | false | DNS_FAILURE | 30 | No MX host of example.test could be resolved because DNS failed (mx.broken.test: A the server answered REFUSED).
            implicit MX on A            | none                       | example.test: 192.0.2.10                         | false | ACCEPTS_MAIL       | 600  | example.test has no MX records; mail goes to its own A record (implicit MX, RFC 5321 §5.1).
            implicit MX on AAAA         | none                       | example.test: 2001:db8::10                       | false | ACCEPTS_MAIL       | 600  | example.test has no MX records; mail goes to its own AAAA record (implicit MX, RFC 5321 §5.1).
            implicit MX, private        | none                       | example.test: 127.0.0.1 (loopback)               | false | MX_PRIVATE_ADDRESS | 600  | example.test has no MX records and its own address (implicit MX) is not on the Internet: example.test resolves to 127.0.0.1 (loopback).
            implicit MX, private allowed | none                      | example.test: 127.0.0.1 (loopback)               | true  | ACCEPTS_MAIL       | 600  | example.test has no MX records; mail goes to its own A record (implicit MX, RFC 5321 §5.1).
            implicit MX lookup failed   | none                       | example.test: !A the server answered SERVFAIL    | false | DNS_FAILURE        | 30   | example.test has no MX records and the lookup of its own address failed: A the server answered SERVFAIL.
            no MX and no address        | none                       | example.test:                                    | false | NO_MAIL_HOST       | 300  | example.test has no MX records and no A or AAAA record, so no host takes its mail.
            """)
    void judgement(String situation, String mxAnswer, String hosts, boolean privateAllowed, Reason reason, long ttl,
                   String detail) throws TextParseException {
        MailRouting routing = new MailRouting(privateAllowed);
        MailDomain md;
        if (mxAnswer.equals("NXDOMAIN")) {
            md = routing.noSuchDomain(DOMAIN);
        } else if (mxAnswer.startsWith("FAILED: ")) {
            md = routing.mxLookupFailed(DOMAIN, mxAnswer.substring("FAILED: ".length()));
        } else if (mxAnswer.equals("none")) {
            md = routing.implicitMx(DOMAIN, hostLookups(hosts).getFirst());
        } else {
            md = routing.viaMx(DOMAIN, mx(mxAnswer), MX_TTL, hostLookups(hosts));
        }
        assertEquals(reason, md.reason(), md::detail);
        assertEquals(detail, md.detail());
        assertEquals(ttl, md.ttlSeconds(), md::detail);
        assertEquals(DOMAIN, md.domain());
    }

    /**
     * The addresses mail must not go to, judged here alone (the SMTP stage's plan leaves them out): a host with a
     * global and a private address is a mail host, and its private address is still refused; with several MX hosts,
     * every host's refused addresses, each once.
     */
    @ParameterizedTest(name = "{0}, private allowed {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # MX hosts' addresses (; between hosts), each with why it is not global (- for a global one) | private allowed | refused
            192.0.2.1 -                                    | false | ''
            10.1.2.3 private                               | false | 10.1.2.3=private
            192.0.2.1 - 10.1.2.3 private                   | false | 10.1.2.3=private
            192.0.2.1 - 10.1.2.3 private ::1 loopback      | false | 10.1.2.3=private ::1=loopback
            192.0.2.1 - 10.1.2.3 private                   | true  | ''
            192.0.2.1 - ; 192.0.2.2 -                      | false | ''
            10.1.2.3 private ; 192.0.2.2 -                 | false | 10.1.2.3=private
            192.0.2.2 - ; 10.1.2.3 private                 | false | 10.1.2.3=private
            10.1.2.3 private ; ::1 loopback                | false | 10.1.2.3=private ::1=loopback
            10.1.2.3 private ; 10.1.2.3 private ; ::1 loopback | false | 10.1.2.3=private ::1=loopback
            10.1.2.3 private ; ::1 loopback                | true  | ''
            """)
    void refusedAddresses(String addresses, boolean privateAllowed, String refused) throws TextParseException {
        List<HostLookup> hosts = new ArrayList<>();
        StringBuilder mx = new StringBuilder();
        for (String hostAddresses : addresses.split(";")) {
            String[] words = hostAddresses.trim().split("\\s+");
            List<String> found = new ArrayList<>();
            List<String> why = new ArrayList<>();
            for (int i = 0; i < words.length; i += 2) {
                found.add(words[i]);
                why.add(words[i + 1].equals("-") ? null : words[i + 1]);
            }
            String name = "mx" + hosts.size() + ".example.test";
            hosts.add(new HostLookup(name, found, why, null, HOST_TTL));
            mx.append(mx.isEmpty() ? "" : " ").append(10 * (hosts.size())).append(' ').append(name);
        }
        MailDomain md = new MailRouting(privateAllowed).viaMx(DOMAIN, mx(mx.toString()), MX_TTL, hosts);
        Map<String, String> expected = new LinkedHashMap<>();
        for (String pair : refused.isEmpty() ? new String[0] : refused.split(" ")) {
            expected.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
        }
        assertEquals(expected, md.refused(), md::detail);
        assertEquals(expected.hashCode(), md.refused().hashCode(), md::detail);
        for (String address : List.of("10.1.2.3", "::1", "192.0.2.1", "192.0.2.2")) {
            assertEquals(expected.get(address), md.refused().get(address), address);
        }
        if (hosts.size() == 1) {
            MailDomain implicit = new MailRouting(privateAllowed).implicitMx(DOMAIN, hosts.getFirst());
            assertEquals(expected, implicit.refused(), implicit::detail);
        }
    }

    /** Which hosts' addresses are asked for: the real MX hosts, most preferred first, ten at most. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # MX answer, as DNS gave it                                           | hosts asked
            10 a.test                                                             | a.test
            30 c.test 10 a.test 20 b.test                                         | a.test b.test c.test
            10 b.test 10 a.test                                                   | a.test b.test
            0 . 10 a.test                                                         | a.test
            0 .                                                                   | ''
            1 h1.test 2 h2.test 3 h3.test 4 h4.test 5 h5.test 6 h6.test 7 h7.test 8 h8.test 9 h9.test 10 h10.test 11 h11.test 0 h0.test | h0.test h1.test h2.test h3.test h4.test h5.test h6.test h7.test h8.test h9.test
            """)
    void hostsToAsk(String mxAnswer, String asked) throws TextParseException {
        assertEquals(asked.isEmpty() ? List.of() : List.of(asked.split(" ")), MailRouting.hostsToAsk(mx(mxAnswer)).stream()
                .map(r -> r.getTarget().toString(true)).toList());
    }

    /** The pipeline's own failures around the DNS stage: unknown, never a reason that calls the address undeliverable. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # situation  | detail
            stage failed | The DNS stage failed unexpectedly (internal error ID); check again later.
            deadline     | No DNS answer within the check's deadline of 15 s; check again later.
            """)
    void stageFailures(String situation, String detail) {
        MailDomain md;
        try (LoggedDefects log = new LoggedDefects()) {
            md = situation.equals("deadline") ? MailRouting.noAnswerBefore(DOMAIN, "15 s")
                    : MailRouting.stageFailed(DOMAIN, new IllegalStateException("a defect"));
            if (detail.contains("internal error ID")) {
                log.assertLogged(md.detail(), IllegalStateException.class, "a defect", "MailRoutingTest.stageFailures");
                detail = LoggedDefects.withIdOf(md.detail(), detail);
            }
        }
        assertEquals(new MailDomain(DOMAIN, Reason.DNS_FAILURE, detail, List.of(), null, false, 0, Map.of()), md);
    }

    private static List<Record> mx(String answer) throws TextParseException {
        String[] words = answer.trim().split("\\s+");
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < words.length; i += 2) {
            records.add(new MXRecord(Name.fromString(DOMAIN + "."), DClass.IN, MX_TTL, Integer.parseInt(words[i]),
                    words[i + 1].equals(".") ? Name.root : Name.fromString(words[i + 1] + ".")));
        }
        return records;
    }

    /** @param hosts null for none asked */
    private static List<HostLookup> hostLookups(String hosts) {
        List<HostLookup> found = new ArrayList<>();
        for (String host : hosts == null ? new String[0] : hosts.split(";")) {
            Matcher m = HOST.matcher(host.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("not a host's answers: " + host);
            }
            List<String> addresses = Arrays.stream(m.group(2).trim().split(" ")).filter(a -> !a.isEmpty()).toList();
            // The table names why a host has no global address: every one of its addresses has that reason.
            found.add(new HostLookup(m.group(1), addresses,
                    addresses.stream().map(a -> m.group(3)).collect(Collectors.toList()), m.group(4), HOST_TTL));
        }
        return found;
    }
}
