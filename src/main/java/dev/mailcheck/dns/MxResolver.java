package dev.mailcheck.dns;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.mailcheck.Reason;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.io.DefaultIoClientFactory;
import org.xbill.DNS.io.IoClientFactory;
import org.xbill.DNS.io.TcpIoClient;
import org.xbill.DNS.io.UdpIoClient;
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

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_IN_FLIGHT = 256;

    /** A domain with dozens of MX hosts gains nothing from resolving them all. */
    static final int MAX_MX_HOSTS = 10;
    private static final long MIN_TTL = 30;
    private static final long MAX_TTL = 86_400;
    private static final long NEGATIVE_TTL = 300;
    private static final long FAILURE_TTL = 30;
    /** Domains' answers kept at most; a few hundred bytes each. */
    static final long MAX_DOMAINS = 100_000;

    private final LookupSession session;
    private final Duration timeout;
    private final boolean allowPrivateMx;
    private final Semaphore inFlight;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    /** Answers by domain, in flight and for their TTL; a failed lookup leaves no entry. */
    private final AsyncCache<String, MailDomain> domains;
    private final CountingResolver network;
    private final PooledUdpClient udp = new PooledUdpClient();

    /**
     * @param servers     resolvers to ask, in order; empty means the system's (/etc/resolv.conf)
     * @param timeout     how long one lookup may take in all, retries included
     * @param maxInFlight queries outstanding at once, so a large batch does not flood the resolver
     * @param allowPrivateMx an MX host on a loopback, private or other non-global address counts as a mail host
     *                    (test beds); otherwise a domain whose every MX host is on one is {@link Reason#MX_PRIVATE_ADDRESS}
     */
    public MxResolver(List<InetSocketAddress> servers, Duration timeout, int maxInFlight, boolean allowPrivateMx) {
        this(servers, timeout, maxInFlight, allowPrivateMx, Ticker.systemTicker(), MAX_DOMAINS);
    }

    /** @param ticker the clock of the domain cache; tests move it by hand */
    MxResolver(List<InetSocketAddress> servers, Duration timeout, int maxInFlight, boolean allowPrivateMx, Ticker ticker,
               long maxDomains) {
        this.timeout = timeout;
        this.allowPrivateMx = allowPrivateMx;
        this.domains = Caffeine.newBuilder().maximumSize(maxDomains).ticker(ticker)
                .expireAfter(Expiry.creating((String d, MailDomain md) -> Duration.ofSeconds(md.ttlSeconds())))
                .buildAsync();
        this.inFlight = new Semaphore(maxInFlight);
        ExtendedResolver resolver = servers.isEmpty() ? new ExtendedResolver()
                : new ExtendedResolver(servers.stream().map(s -> (Resolver) new SimpleResolver(s)).toList());
        IoClientFactory io = new IoClientFactory() {
            private final TcpIoClient tcp = new DefaultIoClientFactory().createOrGetTcpClient();

            @Override
            public TcpIoClient createOrGetTcpClient() {
                return tcp;
            }

            @Override
            public UdpIoClient createOrGetUdpClient() {
                return udp;
            }
        };
        // One retry in all: the same server again, or each of several once. dnsjava's "retries" counts tries
        // per server, and ExtendedResolver.setTimeout would give every try the whole budget, so the try
        // timeouts are set on the servers alone (a lone server used to get one try, lost to one dropped or
        // spoofed packet: MxResolverFaultTest). query() bounds the whole lookup by the budget.
        int count = resolver.getResolvers().length;
        resolver.setRetries(count == 1 ? 2 : 1);
        for (Resolver r : resolver.getResolvers()) {
            r.setTimeout(timeout.dividedBy(Math.max(2, count)));
            ((SimpleResolver) r).setIoClientFactory(io);
        }
        this.network = new CountingResolver(resolver);
        // Shared MX hosts (a provider's, serving thousands of domains) are resolved once per TTL.
        Cache records = new Cache();
        records.setMaxEntries(200_000);
        this.session = LookupSession.builder().resolver(network).cache(records).clearSearchPath().build();
    }

    /** Where mail for {@code asciiDomain} goes; shared with every other caller asking for the same domain. */
    public CompletableFuture<MailDomain> resolve(String asciiDomain) {
        return domains.get(asciiDomain, (d, executor) -> CompletableFuture.supplyAsync(() -> lookup(d), threads));
    }

    /** How long the domain's cached answer has left; empty while it is looked up or when none is cached. */
    Optional<Duration> expiresAfter(String domain) {
        CompletableFuture<MailDomain> answer = domains.getIfPresent(domain);
        return answer == null || !answer.isDone() ? Optional.empty()
                : domains.synchronous().policy().expireVariably().flatMap(e -> e.getExpiresAfter(domain))
                        .filter(left -> left.compareTo(Duration.ofDays(365)) < 0);
    }

    /** Domains in the cache now, expired and evicted ones gone. */
    long cachedDomains() {
        domains.synchronous().cleanUp();
        return domains.synchronous().estimatedSize();
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
        threads.shutdownNow();
        udp.close();
    }

    private MailDomain lookup(String domain) {
        Name name;
        try {
            name = Name.fromString(domain, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a domain name: " + domain, e);
        }
        Answer mx = query(name, Type.MX).join();
        return switch (mx.kind) {
            case NXDOMAIN -> MailDomain.of(domain, Reason.NO_SUCH_DOMAIN,
                    "DNS says " + domain + " does not exist (NXDOMAIN).", NEGATIVE_TTL);
            case FAILED -> MailDomain.of(domain, Reason.DNS_FAILURE,
                    "The MX lookup for " + domain + " failed: " + mx.failure + ".", FAILURE_TTL);
            case NODATA -> implicitMx(domain, name);
            case RECORDS -> fromMxRecords(domain, mx);
        };
    }

    private MailDomain fromMxRecords(String domain, Answer answer) {
        List<MXRecord> all = answer.records.stream()
                .filter(MXRecord.class::isInstance).map(MXRecord.class::cast).toList();
        List<MXRecord> real = all.stream().filter(r -> !r.getTarget().equals(Name.root))
                .sorted(Comparator.comparingInt(MXRecord::getPriority).thenComparing(MXRecord::getTarget))
                .toList();
        long ttl = answer.ttl;
        if (real.isEmpty()) {
            return MailDomain.of(domain, Reason.NULL_MX, domain + " publishes a null MX (MX "
                    + all.getFirst().getPriority() + " .): per RFC 7505 it accepts no mail, and its A/AAAA records"
                    + " are not a fallback.", ttl);
        }
        boolean nullMixed = real.size() < all.size();
        List<MXRecord> used = real.subList(0, Math.min(MAX_MX_HOSTS, real.size()));
        List<CompletableFuture<HostLookup>> lookups = used.stream().map(r -> addresses(r.getTarget())).toList();
        List<MxHost> hosts = new ArrayList<>();
        String failure = null;
        for (int i = 0; i < used.size(); i++) {
            HostLookup h = lookups.get(i).join();
            hosts.add(new MxHost(used.get(i).getPriority(), hostName(used.get(i).getTarget()), h.addresses));
            if (!h.addresses.isEmpty()) {
                ttl = Math.min(ttl, h.ttl);
            } else if (h.failure != null && failure == null) {
                failure = hostName(used.get(i).getTarget()) + ": " + h.failure;
            }
        }
        String mixNote = nullMixed ? " A null MX is published beside real MX records; the real ones were used." : "";
        List<MxHost> usable = hosts.stream().filter(h -> h.addresses().stream().anyMatch(this::usable)).toList();
        String privateNote = privateNote(hosts);
        if (!usable.isEmpty()) {
            MxHost best = usable.getFirst();
            return new MailDomain(domain, Reason.ACCEPTS_MAIL, "Mail for " + domain + " goes to " + best.host()
                    + " (preference " + best.preference() + ")" + (usable.size() > 1
                    ? " or " + (usable.size() - 1) + " other MX host" + (usable.size() > 2 ? "s" : "") : "")
                    + "." + (privateNote == null ? "" : " Not on the Internet, so left out: " + privateNote + ".")
                    + mixNote, hosts, null, nullMixed, ttl);
        }
        if (failure != null) {
            return new MailDomain(domain, Reason.DNS_FAILURE, "No MX host of " + domain
                    + " could be resolved because DNS failed (" + failure + ")." + mixNote,
                    hosts, null, nullMixed, FAILURE_TTL);
        }
        if (privateNote != null) {
            return new MailDomain(domain, Reason.MX_PRIVATE_ADDRESS, "No MX host of " + domain
                    + " has an address on the Internet: " + privateNote + "." + mixNote, hosts, null, nullMixed, ttl);
        }
        return new MailDomain(domain, Reason.MX_UNRESOLVABLE, "None of the MX hosts of " + domain + " ("
                + String.join(", ", hosts.stream().map(MxHost::host).toList())
                + ") has an A or AAAA record." + mixNote, hosts, null, nullMixed, Math.min(ttl, NEGATIVE_TTL));
    }

    private MailDomain implicitMx(String domain, Name name) {
        HostLookup self = addresses(name).join();
        List<MxHost> implicit = List.of(new MxHost(0, domain, self.addresses));
        String family = self.addresses.isEmpty() ? null : self.addresses.getFirst().contains(":") ? "AAAA" : "A";
        String privateNote = privateNote(implicit);
        if (privateNote != null) {
            return new MailDomain(domain, Reason.MX_PRIVATE_ADDRESS, domain + " has no MX records and its own address"
                    + " (implicit MX) is not on the Internet: " + privateNote + ".", implicit, family, false, self.ttl);
        }
        if (family != null) {
            return new MailDomain(domain, Reason.ACCEPTS_MAIL, domain + " has no MX records; mail goes to its own "
                    + family + " record (implicit MX, RFC 5321 §5.1).",
                    implicit, family, false, self.ttl);
        }
        if (self.failure != null) {
            return MailDomain.of(domain, Reason.DNS_FAILURE, domain + " has no MX records and the lookup of its"
                    + " own address failed: " + self.failure + ".", FAILURE_TTL);
        }
        return MailDomain.of(domain, Reason.NO_MAIL_HOST,
                domain + " has no MX records and no A or AAAA record, so no host takes its mail.", NEGATIVE_TTL);
    }

    /** Whether mail may go to this address: a global one, or any with --allow-private-mx. */
    private boolean usable(String address) {
        return allowPrivateMx || AddressGuard.refusal(literal(address)) == null;
    }

    /** "HOST resolves to ADDRESS, a WHY address" for each host with no usable address; null when there is none. */
    private String privateNote(List<MxHost> hosts) {
        List<String> notes = new ArrayList<>();
        for (MxHost h : hosts) {
            if (!h.addresses().isEmpty() && h.addresses().stream().noneMatch(this::usable)) {
                String first = h.addresses().getFirst();
                notes.add(h.host() + " resolves to " + first + " (" + AddressGuard.refusal(literal(first)) + ")"
                        + (h.addresses().size() > 1 ? " and " + (h.addresses().size() - 1) + " more such" : ""));
            }
        }
        return notes.isEmpty() ? null : String.join("; ", notes);
    }

    private static InetAddress literal(String address) {
        try {
            // An IP literal as written above: parsed, never looked up.
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("not an address literal: " + address, e);
        }
    }

    /** A and AAAA of one name, both asked at once; IPv4 addresses first. */
    private CompletableFuture<HostLookup> addresses(Name host) {
        CompletableFuture<Answer> v4 = query(host, Type.A);
        CompletableFuture<Answer> v6 = query(host, Type.AAAA);
        return v4.thenCombine(v6, (a, aaaa) -> {
            List<String> found = new ArrayList<>();
            for (Answer answer : List.of(a, aaaa)) {
                for (var r : answer.records) {
                    if (r instanceof ARecord ar) {
                        found.add(ar.getAddress().getHostAddress());
                    } else if (r instanceof AAAARecord ar) {
                        // Java turns an IPv4-mapped AAAA (::ffff:a.b.c.d) into a 4-byte address: it used to fail
                        // the whole lookup here (SmtpProberHostileInputTest). Written as RFC 5952 §5 says.
                        found.add(ar.getAddress() instanceof Inet4Address mapped ? "::ffff:" + mapped.getHostAddress()
                                : rfc5952(ar.getAddress().getAddress()));
                    }
                }
            }
            String failure = a.failure != null ? "A " + a.failure : aaaa.failure != null ? "AAAA " + aaaa.failure : null;
            return new HostLookup(List.copyOf(found), failure, Math.min(a.ttl, aaaa.ttl));
        });
    }

    private CompletableFuture<Answer> query(Name name, int type) {
        inFlight.acquireUninterruptibly();
        long started = System.nanoTime();
        // dnsjava checks its timeouts about once a second: the budget is enforced here, to the millisecond.
        return session.lookupAsync(name, type).toCompletableFuture().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((result, error) -> {
                    inFlight.release();
                    if (error == null) {
                        return Answer.of(result.getRecords());
                    }
                    // dnsjava reports its own timeout as a plain IOException; the clock tells it apart from other errors.
                    boolean timedOut = System.nanoTime() - started >= timeout.toNanos() * 9 / 10;
                    return Answer.of(error, timedOut ? "no answer within " + timeout.toMillis() + " ms" : null);
                });
    }

    /** IPv6 text as RFC 5952 recommends (2001:db8::1), not Java's 2001:db8:0:0:0:0:0:1. */
    static String rfc5952(byte[] v6) {
        int[] groups = new int[8];
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0, run = 0; i < 8; i++) {
            groups[i] = (v6[2 * i] & 0xff) << 8 | v6[2 * i + 1] & 0xff;
            run = groups[i] == 0 ? run + 1 : 0;
            if (run > bestLength) {
                bestLength = run;
                bestStart = i - run + 1;
            }
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!s.isEmpty() && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(groups[i]));
        }
        return s.toString();
    }

    private static String hostName(Name name) {
        return name.toString(true);
    }

    private record HostLookup(List<String> addresses, String failure, long ttl) {
    }

    private enum Kind { RECORDS, NODATA, NXDOMAIN, FAILED }

    private record Answer(Kind kind, List<org.xbill.DNS.Record> records, String failure, long ttl) {

        static Answer of(List<org.xbill.DNS.Record> records) {
            if (records.isEmpty()) {
                return new Answer(Kind.NODATA, List.of(), null, NEGATIVE_TTL);
            }
            long ttl = records.stream().mapToLong(org.xbill.DNS.Record::getTTL).min().orElse(NEGATIVE_TTL);
            return new Answer(Kind.RECORDS, records, null, Math.clamp(ttl, MIN_TTL, MAX_TTL));
        }

        /** @param timedOut what to say when the lookup ran out of time, or null when it did not */
        static Answer of(Throwable error, String timedOut) {
            Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            return switch (e) {
                case NoSuchDomainException x -> new Answer(Kind.NXDOMAIN, List.of(), null, NEGATIVE_TTL);
                case NoSuchRRSetException x -> new Answer(Kind.NODATA, List.of(), null, NEGATIVE_TTL);
                case ServerFailedException x -> failed("the server answered SERVFAIL");
                case PortUnreachableException x -> failed("nothing listens on the DNS server's port");
                case LookupFailedException x -> failed("the lookup failed (" + x.getMessage() + ")");
                case Exception x when timedOut != null -> failed(timedOut);
                default -> failed(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            };
        }

        private static Answer failed(String why) {
            return new Answer(Kind.FAILED, List.of(), why, FAILURE_TTL);
        }
    }
}
