package dev.mailcheck.dns;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.mailcheck.dns.TransportSecurity.Dnssec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * Looks up a domain's {@link TransportSecurity}: its MX answer asked with the DO and AD bits, a TLSA query per MX
 * host, and the {@code _mta-sts} and {@code _smtp._tls} TXT records, all at once. Asked only when a caller wants
 * the report, through its own resolver, so the MX stage's queries (one per domain) stay as they are. Reports are
 * shared per domain, in flight and for the answers' TTL.
 *
 * <p>Why the resolver's word is taken, and what it can't say: the checker does not validate signatures itself (that
 * needs the chain up to the root's key); a validating resolver does, and says so by the AD bit. An answer without AD
 * means "unsigned" only from a resolver that validates, and a stub can't tell from the outside whether it does: an
 * unsigned zone and a resolver that doesn't check look the same, and probing a signed name elsewhere would send
 * queries to the Internet from test beds. So the operator says it ({@code resolverValidates}); without that, an
 * unauthenticated answer is {@code unknown}, never {@code insecure}. An AD bit is proof enough that the resolver
 * validates (RFC 4035 §3.2.3, RFC 6840 §5.8), so {@code secure} needs no flag. Either way the path to the resolver
 * is trusted, as with any AD bit (RFC 4035 §4.9.3): use one on the same host or network.
 *
 * <p>The queries go out on a {@link DnsTransport} of its own (the MX stage's kind: pooled sockets, a TCP client
 * held to the deadline, slots, no thread per query), asking with the DO and AD bits; TTLs as {@link DnsTtl} says.
 */
public final class TransportSecurityLookup implements AutoCloseable {

    private static final long CACHE_SIZE = 100_000;
    private static final Name SMTP_TLSA = Name.fromConstantString("_25._tcp");
    private static final Name MTA_STS = Name.fromConstantString("_mta-sts");
    private static final Name TLS_RPT = Name.fromConstantString("_smtp._tls");
    /** RFC 8461 §3.1: the policy's id, 1 to 32 letters and digits. */
    private static final Pattern STS_ID = Pattern.compile("(^|;)\\s*id\\s*=\\s*[A-Za-z0-9]{1,32}\\s*(;|$)");
    /** RFC 8460 §3: where reports go; the one field a TLS-RPT record must have. */
    private static final Pattern RPT_RUA = Pattern.compile("(^|;)\\s*rua\\s*=\\s*[^;\\s]");

    private final DnsTransport transport;
    private final boolean resolverValidates;
    private final SharedLookups<String, Found> reports;

    /**
     * @param servers           resolvers to ask, in order; empty means the system's (/etc/resolv.conf)
     * @param timeout           how long one query may take in all, retries included
     * @param maxInFlight       queries outstanding at once
     * @param resolverValidates the resolvers validate DNSSEC, so an answer without the AD bit is {@code insecure}
     */
    public TransportSecurityLookup(List<InetSocketAddress> servers, Duration timeout, int maxInFlight,
                                   boolean resolverValidates) {
        this.transport = new DnsTransport(servers, timeout, maxInFlight, 0, true);
        this.resolverValidates = resolverValidates;
        this.reports = new SharedLookups<>(CACHE_SIZE, Ticker.systemTicker(), Found::ttlSeconds);
    }

    /** The report for {@code asciiDomain}; shared with every other caller asking for the same domain. */
    public CompletableFuture<TransportSecurity> lookup(String asciiDomain) {
        return reports.get(asciiDomain, this::find).thenApply(Found::report);
    }

    @Override
    public void close() {
        transport.close();
    }

    /** The MX, MTA-STS and TLS-RPT questions at once, then the TLSA ones the MX answer calls for. */
    private CompletableFuture<Found> find(String domain) {
        // The address parser has checked the domain already; a bad one ends in IllegalArgumentException.
        Name name = Name.fromConstantString(domain + ".");
        CompletableFuture<Answer> mx = query(name, Type.MX);
        CompletableFuture<Answer> sts = query(prefixed(MTA_STS, name), Type.TXT);
        CompletableFuture<Answer> rpt = query(prefixed(TLS_RPT, name), Type.TXT);
        CompletableFuture<List<Answer>> tlsa = mx.thenCompose(mxAnswer -> {
            List<CompletableFuture<Answer>> asked = mxAnswer.failure != null ? List.of()
                    : mailHosts(name, mxAnswer).stream().map(h -> prefixed(SMTP_TLSA, h))
                            .filter(n -> n != null).map(n -> query(n, Type.TLSA)).toList();
            // Joined once all are done: the joins do not wait.
            return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new))
                    .thenApply(done -> asked.stream().map(CompletableFuture::join).toList());
        });
        return CompletableFuture.allOf(tlsa, sts, rpt).thenApply(done -> report(domain, mx.join(), tlsa.join(),
                sts.join(), rpt.join()));
    }

    private Found report(String domain, Answer mxAnswer, List<Answer> tlsaAnswers, Answer stsAnswer,
                         Answer rptAnswer) {
        Boolean dane = mxAnswer.failure != null ? null
                : tlsaAnswers.stream().anyMatch(a -> !a.records.isEmpty()) ? Boolean.TRUE
                : tlsaAnswers.stream().anyMatch(a -> a.failure != null) ? null : Boolean.FALSE;

        Dnssec dnssec;
        String detail;
        if (mxAnswer.failure != null) {
            dnssec = Dnssec.UNKNOWN;
            detail = "The MX lookup for " + domain + " failed (" + mxAnswer.failure + "); a validating resolver also"
                    + " answers SERVFAIL when a signature is bogus.";
        } else if (mxAnswer.authenticated) {
            dnssec = Dnssec.SECURE;
            detail = "The resolver validated the DNSSEC signatures of " + domain + "'s MX answer (AD bit).";
        } else if (resolverValidates) {
            dnssec = Dnssec.INSECURE;
            detail = "The validating resolver did not authenticate " + domain + "'s MX answer: the zone is not signed,"
                    + " or no DS record links it to a trust anchor.";
        } else {
            dnssec = Dnssec.UNKNOWN;
            detail = "The resolver did not authenticate " + domain + "'s MX answer and is not known to validate"
                    + " DNSSEC, so an unsigned zone and an unchecked one look the same.";
        }
        if (Boolean.TRUE.equals(dane) && dnssec != Dnssec.SECURE) {
            detail += " TLSA records are published, but a sender uses them only when they validate.";
        }
        List<Answer> all = new ArrayList<>(tlsaAnswers);
        all.addAll(List.of(mxAnswer, stsAnswer, rptAnswer));
        long ttl = all.stream().anyMatch(a -> a.failure != null) ? DnsTtl.FAILURE
                : DnsTtl.clamp(all.stream().mapToLong(a -> a.ttl).min().orElse(DnsTtl.MAX));
        return new Found(new TransportSecurity(dnssec, dane,
                stsAnswer.failure != null ? null : mtaSts(stsAnswer.texts()),
                rptAnswer.failure != null ? null : tlsRpt(rptAnswer.texts()),
                detail), ttl);
    }

    /**
     * The hosts a sender would connect to: the MX targets in preference order (as many as the MX stage resolves),
     * the domain itself when it has no MX (RFC 7672 §2.2.2 looks up TLSA there too), none for a null MX or NXDOMAIN.
     */
    private static List<Name> mailHosts(Name domain, Answer mx) {
        if (mx.nxdomain) {
            return List.of();
        }
        if (mx.records.stream().noneMatch(MXRecord.class::isInstance)) {
            return List.of(domain);
        }
        return MailRouting.hostsToAsk(mx.records).stream().map(MXRecord::getTarget).toList();
    }

    /** The {@code _mta-sts} TXT records make an MTA-STS record. */
    static boolean mtaSts(List<String> texts) {
        return policyRecord(texts, "v=STSv1;", STS_ID);
    }

    /** The {@code _smtp._tls} TXT records make a TLS-RPT record. */
    static boolean tlsRpt(List<String> texts) {
        return policyRecord(texts, "v=TLSRPTv1;", RPT_RUA);
    }

    /**
     * RFC 8461 §3.1 and RFC 8460 §3 alike: TXT records that don't begin with the version are discarded, and
     * unless exactly one is left, and valid, the domain has no policy.
     */
    private static boolean policyRecord(List<String> texts, String version, Pattern required) {
        List<String> candidates = texts.stream().filter(t -> t.startsWith(version)).toList();
        return candidates.size() == 1 && required.matcher(candidates.getFirst()).find();
    }

    /** {@code prefix.name}, or null when that is longer than DNS allows (so nothing can be published there). */
    private static Name prefixed(Name prefix, Name name) {
        try {
            return Name.concatenate(prefix, name);
        } catch (NameTooLongException e) {
            return null;
        }
    }

    private CompletableFuture<Answer> query(Name name, int type) {
        if (name == null) {
            return CompletableFuture.completedFuture(Answer.NONE);
        }
        return transport.query(name, type, false, new DnsTransport.Reading<>() {
            @Override
            public CompletableFuture<Answer> answered(Message answer, long deadline) {
                return CompletableFuture.completedFuture(Answer.of(answer, type));
            }

            @Override
            public Answer failed(Throwable error, String timedOut) {
                return Answer.failed(error, timedOut);
            }
        });
    }

    private record Found(TransportSecurity report, long ttlSeconds) {
    }

    /** One answer: its records of the type asked, whether the resolver authenticated it, or why it failed. */
    private record Answer(List<org.xbill.DNS.Record> records, boolean authenticated, boolean nxdomain, long ttl,
                          String failure) {

        static final Answer NONE = new Answer(List.of(), false, true, DnsTtl.MAX, null);

        static Answer of(Message m, int type) {
            int rcode = m.getRcode();
            if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
                return new Answer(List.of(), false, false, DnsTtl.FAILURE, "the resolver answered " + Rcode.string(rcode));
            }
            List<org.xbill.DNS.Record> records = m.getSection(Section.ANSWER).stream()
                    .filter(r -> r.getType() == type).toList();
            long ttl = records.stream().mapToLong(org.xbill.DNS.Record::getTTL).min().orElse(DnsTtl.NEGATIVE);
            return new Answer(records, m.getHeader().getFlag(Flags.AD), rcode == Rcode.NXDOMAIN, ttl, null);
        }

        /** @param timedOut what to say when the query ran out of time, or null when it did not */
        static Answer failed(Throwable e, String timedOut) {
            return new Answer(List.of(), false, false, DnsTtl.FAILURE, timedOut != null ? timedOut
                    : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }

        /** TXT strings of one record are one text (RFC 7208 §3.3 and the MTA-STS and TLS-RPT RFCs alike). */
        List<String> texts() {
            return records.stream().map(r -> String.join("", ((TXTRecord) r).getStrings())).toList();
        }
    }
}
