package dev.mailcheck.dns;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.mailcheck.Reason;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.lookup.LookupFailedException;
import org.xbill.DNS.lookup.LookupSession;
import org.xbill.DNS.lookup.NoSuchDomainException;
import org.xbill.DNS.lookup.NoSuchRRSetException;
import org.xbill.DNS.lookup.ServerFailedException;

/**
 * The DNS stage: where does a domain's mail go? One MX query per domain, then only the address
 * lookups needed. Answers are shared by every address of a domain, in flight and afterwards for the
 * answer's TTL. Transient DNS trouble (SERVFAIL, REFUSED, timeouts) is always {@link Reason#DNS_FAILURE},
 * never a reason that would call the address undeliverable.
 */
public final class MxResolver implements AutoCloseable {

    static final Comparator<MXRecord> BY_PREFERENCE =
            Comparator.comparingInt(MXRecord::getPriority).thenComparing(MXRecord::getTarget);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_IN_FLIGHT = 256;

    /** A domain with dozens of MX hosts gains nothing from resolving them all. */
    static final int MAX_MX_HOSTS = 10;
    /** Domains' answers kept at most; a few hundred bytes each. */
    public static final int MAX_DOMAINS = 100_000;
    /** MX hosts' addresses kept at most (shared hosts are few; implicit-MX domains add one each). */
    static final long MAX_HOSTS = 100_000;
    /** The rare paths only: CNAME and DNAME chains. */
    private final LookupSession session;
    private final Duration timeout;
    private final MailRouting routing;
    /** Every query but the rare CNAME path's goes out here, slotted and paced. */
    private final DnsTransport transport;
    /** What an answer means to this stage. */
    private final DnsTransport.Reading<Answer> reading = new DnsTransport.Reading<>() {
        @Override
        public CompletableFuture<Answer> answered(Message answer, long deadline) {
            return meaning(answer, deadline);
        }

        @Override
        public Answer failed(Throwable error, String timedOut) {
            return Answer.of(error, timedOut);
        }
    };
    /** Answers by domain, in flight and for their TTL; a failed lookup leaves no entry. Null: none kept ({@link #forOneList}). */
    private final SharedLookups<String, MailDomain> domains;
    /** MX hosts' (and implicit-MX domains') addresses by name, in flight and for their TTL; failures not kept. */
    private final SharedLookups<Name, HostLookup> hosts;
    private final CountingResolver network;

    /**
     * @param servers     resolvers to ask, in order; empty means the system's (/etc/resolv.conf)
     * @param timeout     how long one lookup may take in all, retries included
     * @param maxInFlight queries outstanding at once, so a large batch does not flood the resolver
     * @param allowPrivateMx an MX host on a loopback, private or other non-global address counts as a mail host
     *                    (test beds); otherwise a domain whose every MX host is on one is {@link Reason#MX_PRIVATE_ADDRESS}
     */
    public MxResolver(List<InetSocketAddress> servers, Duration timeout, int maxInFlight, boolean allowPrivateMx) {
        this(servers, timeout, maxInFlight, allowPrivateMx, 0);
    }

    /** @param qps DNS packets sent per second at most ({@link QueryPace}); 0 for no budget */
    public MxResolver(List<InetSocketAddress> servers, Duration timeout, int maxInFlight, boolean allowPrivateMx,
                      int qps) {
        this(servers, timeout, maxInFlight, allowPrivateMx, Ticker.systemTicker(), MAX_DOMAINS, qps);
    }

    /** @param ticker the clock of the domain cache; tests move it by hand */
    MxResolver(List<InetSocketAddress> servers, Duration timeout, int maxInFlight, boolean allowPrivateMx, Ticker ticker,
               long maxDomains, int qps) {
        this.timeout = timeout;
        this.routing = new MailRouting(allowPrivateMx);
        this.domains = maxDomains > 0 ? new SharedLookups<>(maxDomains, ticker, MailDomain::ttlSeconds) : null;
        this.hosts = new SharedLookups<>(MAX_HOSTS, ticker, h -> h.failure == null ? h.ttl : 0);
        this.transport = new DnsTransport(servers, timeout, maxInFlight, qps, false);
        this.network = new CountingResolver(transport.dnsjavaResolver());
        // Only CNAME chains reach it: a small cache is enough.
        Cache records = new Cache();
        records.setMaxEntries(1_000);
        this.session = LookupSession.builder().resolver(network).cache(records).clearSearchPath().build();
    }

    /**
     * A resolver for one list run in a process of its own ({@code check}): the run keeps each domain's answer
     * itself ({@code Checker}'s list path, in flight and for its TTL), so this keeps none and asks whenever it is
     * asked. Keeping them twice cost a list run 7-11% of its CPU (Caffeine's put, upkeep and look-ups on every new
     * domain). Host addresses are still kept: every domain of a provider shares them.
     */
    public static MxResolver forOneList(List<InetSocketAddress> servers, Duration timeout, int maxInFlight,
                                        boolean allowPrivateMx, int qps) {
        return new MxResolver(servers, timeout, maxInFlight, allowPrivateMx, Ticker.systemTicker(), 0, qps);
    }

    /**
     * Where mail for {@code asciiDomain} goes; shared with every other caller asking for the same domain, in flight
     * and for the answer's TTL, except by a resolver {@link #forOneList}.
     */
    public CompletableFuture<MailDomain> resolve(String asciiDomain) {
        if (domains == null) {
            try {
                return lookup(asciiDomain);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return domains.get(asciiDomain, this::lookup);
    }

    /** How long the domain's cached answer has left; empty while it is looked up or when none is cached. */
    public Optional<Duration> expiresAfter(String domain) {
        return domains == null ? Optional.empty() : domains.expiresAfter(domain);
    }

    /**
     * How long a caller may reuse {@code answer}, which {@link #resolve} has just given it for {@code domain}: what
     * the kept copy has left (it may be an older answer), or the answer's own TTL where none is kept.
     */
    public long reusableNanos(String domain, MailDomain answer) {
        return domains == null ? TimeUnit.SECONDS.toNanos(answer.ttlSeconds())
                : expiresAfter(domain).map(Duration::toNanos).orElse(0L);
    }

    /** Domains in the cache now, expired and evicted ones gone. */
    long cachedDomains() {
        return domains == null ? 0 : domains.size();
    }

    /** MX queries sent to the network so far; a batch wants one per unique domain. */
    public long mxQueries() {
        return network.mx.sum();
    }

    /** A and AAAA queries sent to the network so far, for MX hosts and implicit-MX fallbacks. */
    public long addressQueries() {
        return network.address.sum();
    }

    @Override
    public void close() {
        transport.close();
    }

    private CompletableFuture<MailDomain> lookup(String domain) {
        byte[] name;
        try {
            name = DnsWire.name(domain);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a domain name: " + domain, e);
        }
        return query(name, Type.MX, false).thenCompose(mx -> switch (mx.kind) {
            case NXDOMAIN -> CompletableFuture.completedFuture(routing.noSuchDomain(domain));
            case FAILED -> CompletableFuture.completedFuture(routing.mxLookupFailed(domain, mx.failure));
            case NODATA -> addresses(nameOf(domain)).thenApply(self -> routing.implicitMx(domain, self));
            case RECORDS -> fromMxRecords(domain, mx);
        });
    }

    private CompletableFuture<MailDomain> fromMxRecords(String domain, Answer answer) {
        List<MXRecord> used = MailRouting.hostsToAsk(answer.records);
        List<CompletableFuture<HostLookup>> lookups = new ArrayList<>(used.size());
        boolean allKnown = true;
        for (MXRecord r : used) {
            CompletableFuture<HostLookup> lookup = addresses(r.getTarget());
            lookups.add(lookup);
            allKnown &= lookup.isDone();
        }
        // Most MX hosts are shared and already looked up: judged at once, with no future to combine them.
        if (allKnown) {
            return CompletableFuture.completedFuture(routing.viaMx(domain, answer.records, answer.ttl, joined(lookups)));
        }
        // Judged once every host's lookup is done: the joins do not wait.
        return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new))
                .thenApply(all -> routing.viaMx(domain, answer.records, answer.ttl, joined(lookups)));
    }

    private static List<HostLookup> joined(List<CompletableFuture<HostLookup>> lookups) {
        List<HostLookup> hosts = new ArrayList<>(lookups.size());
        for (CompletableFuture<HostLookup> lookup : lookups) {
            hosts.add(lookup.join());
        }
        return hosts;
    }

    /**
     * A and AAAA of one name, both asked at once; IPv4 addresses first. Shared by every domain whose MX is
     * that host, in flight and for the answers' TTL.
     */
    private CompletableFuture<HostLookup> addresses(Name host) {
        return hosts.get(host, h -> {
            byte[] name = h.toWire();
            return query(name, Type.A, true).thenCombine(query(name, Type.AAAA, true), (a, aaaa) -> hostLookup(h, a, aaaa));
        });
    }

    /** The domain's name as its MX query had it (DnsWire.name): read then, so it reads now. */
    private static Name nameOf(String domain) {
        try {
            return Name.fromString(domain, Name.root);
        } catch (TextParseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HostLookup hostLookup(Name host, Answer a, Answer aaaa) {
        List<String> found = new ArrayList<>();
        List<String> refusals = new ArrayList<>();
        for (Answer answer : List.of(a, aaaa)) {
            for (var r : answer.records) {
                if (r instanceof ARecord ar) {
                    refusals.add(AddressGuard.refusal(ar.getAddress()));
                    found.add(ar.getAddress().getHostAddress());
                } else if (r instanceof AAAARecord ar) {
                    refusals.add(AddressGuard.refusal(ar.getAddress()));
                    // Java turns an IPv4-mapped AAAA (::ffff:a.b.c.d) into a 4-byte address: it used to fail
                    // the whole lookup here (SmtpProberHostileInputTest). Written as RFC 5952 §5 says.
                    found.add(ar.getAddress() instanceof Inet4Address mapped ? "::ffff:" + mapped.getHostAddress()
                            : Ipv6Text.of(ar.getAddress().getAddress()));
                }
            }
        }
        String failure = a.failure != null ? "A " + a.failure : aaaa.failure != null ? "AAAA " + aaaa.failure : null;
        // The guard's table is read once per host, not for every domain that uses it; MailRouting judges.
        return new HostLookup(hostName(host), List.copyOf(found), Collections.unmodifiableList(refusals), failure,
                Math.min(a.ttl, aaaa.ttl));
    }

    /**
     * One question, the lean way, on the shared {@link DnsTransport}. dnsjava's LookupSession, with its cache,
     * lock and chains of futures, cost about ten times the query itself: it is kept for the rare answer that
     * redirects (CNAME, DNAME), which it follows with loop detection.
     */
    private CompletableFuture<Answer> query(byte[] name, int type, boolean followUp) {
        (type == Type.MX ? network.mx : network.address).increment();
        return transport.query(name, type, followUp, reading);
    }

    /** The records of the type asked, or where the lookup stands; a redirect is followed. */
    private CompletableFuture<Answer> meaning(Message answer, long deadline) {
        org.xbill.DNS.Record question = answer.getQuestion();
        List<org.xbill.DNS.Record> records = new ArrayList<>();
        for (org.xbill.DNS.Record r : answer.getSection(Section.ANSWER)) {
            if (r.getType() == Type.CNAME || r.getType() == Type.DNAME) {
                return redirected(question.getName(), question.getType(), deadline);
            }
            if (r.getType() == question.getType() && r.getName().equals(question.getName())) {
                records.add(r);
            }
        }
        int rcode = answer.getRcode();
        return CompletableFuture.completedFuture(switch (rcode) {
            case Rcode.NOERROR -> Answer.of(records);
            case Rcode.NXDOMAIN -> new Answer(Kind.NXDOMAIN, List.of(), null, DnsTtl.NEGATIVE);
            default -> Answer.failed("the server answered " + Rcode.string(rcode));
        });
    }

    /** The rare path: dnsjava follows the chain, with its own queries, in what is left of the budget. */
    private CompletableFuture<Answer> redirected(Name name, int type, long deadline) {
        long left = Math.max(1, deadline - System.nanoTime());
        return session.lookupAsync(name, type).toCompletableFuture().orTimeout(left, TimeUnit.NANOSECONDS)
                .handle((found, error) -> error == null ? Answer.of(found.getRecords())
                        // dnsjava reports its own timeout as a plain IOException; the clock tells it apart.
                        : Answer.of(error, System.nanoTime() - deadline >= -timeout.toNanos() / 10
                                ? transport.noAnswerInTime() : null));
    }

    private static String hostName(Name name) {
        return name.toString(true);
    }

    /**
     * @param refusals for each address, in order, why it is not on the Internet ({@link AddressGuard}), or null
     * @param refused  the addresses with a refusal, with it: made once per host, and shared by every domain whose
     *                 only MX host this is (a map per domain was a quarter of what a list's domains keep in memory)
     */
    record HostLookup(String host, List<String> addresses, List<String> refusals, String failure, long ttl,
                      Map<String, String> refused) {

        HostLookup(String host, List<String> addresses, List<String> refusals, String failure, long ttl) {
            this(host, addresses, refusals, failure, ttl, refused(addresses, refusals));
        }

        private static Map<String, String> refused(List<String> addresses, List<String> refusals) {
            Map<String, String> refused = new LinkedHashMap<>();
            for (int i = 0; i < addresses.size(); i++) {
                if (refusals.get(i) != null) {
                    refused.put(addresses.get(i), refusals.get(i));
                }
            }
            return refused.isEmpty() ? Map.of() : Collections.unmodifiableMap(refused);
        }

        /** Why its first address is not on the Internet, when none of its addresses is; else null. */
        String refusal() {
            return addresses.isEmpty() || refusals.contains(null) ? null : refusals.getFirst();
        }
    }

    private enum Kind { RECORDS, NODATA, NXDOMAIN, FAILED }

    private record Answer(Kind kind, List<org.xbill.DNS.Record> records, String failure, long ttl) {

        static Answer of(List<org.xbill.DNS.Record> records) {
            if (records.isEmpty()) {
                return new Answer(Kind.NODATA, List.of(), null, DnsTtl.NEGATIVE);
            }
            return new Answer(Kind.RECORDS, records, null, DnsTtl.of(records));
        }

        /** @param timedOut what to say when the lookup ran out of time, or null when it did not */
        static Answer of(Throwable error, String timedOut) {
            Throwable e = DnsTransport.unwrap(error);
            return switch (e) {
                case NoSuchDomainException x -> new Answer(Kind.NXDOMAIN, List.of(), null, DnsTtl.NEGATIVE);
                case NoSuchRRSetException x -> new Answer(Kind.NODATA, List.of(), null, DnsTtl.NEGATIVE);
                case ServerFailedException x -> failed("the server answered SERVFAIL");
                case PortUnreachableException x -> failed("nothing listens on the DNS server's port");
                case LookupFailedException x -> failed("the lookup failed (" + x.getMessage() + ")");
                case Exception x when timedOut != null -> failed(timedOut);
                default -> failed(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            };
        }

        static Answer failed(String why) {
            return new Answer(Kind.FAILED, List.of(), why, DnsTtl.FAILURE);
        }
    }
}
