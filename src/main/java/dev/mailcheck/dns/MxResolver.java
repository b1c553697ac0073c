package dev.mailcheck.dns;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.mailcheck.Reason;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.WireParseException;
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

    static final Comparator<MXRecord> BY_PREFERENCE =
            Comparator.comparingInt(MXRecord::getPriority).thenComparing(MXRecord::getTarget);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_IN_FLIGHT = 256;

    /** A domain with dozens of MX hosts gains nothing from resolving them all. */
    static final int MAX_MX_HOSTS = 10;
    private static final long MIN_TTL = 30;
    private static final long MAX_TTL = 86_400;
    static final long NEGATIVE_TTL = 300;
    static final long FAILURE_TTL = 30;
    /** Domains' answers kept at most; a few hundred bytes each. */
    static final long MAX_DOMAINS = 100_000;
    /** MX hosts' addresses kept at most (shared hosts are few; implicit-MX domains add one each). */
    static final long MAX_HOSTS = 100_000;
    /** dnsjava's SimpleResolver default: answers up to this size come over UDP, larger ones are truncated. */
    private static final OPTRecord EDNS = new OPTRecord(SimpleResolver.DEFAULT_EDNS_PAYLOADSIZE, 0, 0);

    /** The rare paths only: CNAME and DNAME chains. */
    private final LookupSession session;
    /** The server of each try, in order: a lone server twice, several once each. */
    private final List<InetSocketAddress> tries;
    private final Duration tryTimeout;
    private final Duration timeout;
    private final MailRouting routing;
    /**
     * Queries in flight at once. A lookup has no thread of its own: each step is a callback on the thread
     * that completed the one before (a socket reader, mostly), so an answer goes straight to the next
     * query or the verdict, not through a lookup thread and the scheduler; a batch's other domains wait
     * as queued starts, not as parked threads, whose stacks every young collection would copy.
     */
    private final QuerySlots slots;
    /** Answers by domain, in flight and for their TTL; a failed lookup leaves no entry. */
    private final SharedLookups<String, MailDomain> domains;
    /** MX hosts' (and implicit-MX domains') addresses by name, in flight and for their TTL; failures not kept. */
    private final SharedLookups<Name, HostLookup> hosts;
    private final CountingResolver network;
    /** The packet budget and the back-off from a throttling resolver; the rare CNAME path is not paced. */
    private final QueryPace pace;
    private final PooledUdpClient udp = new PooledUdpClient();
    private final DeadlineTcpClient tcp = new DeadlineTcpClient();

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
        this.pace = new QueryPace(qps);
        this.timeout = timeout;
        this.routing = new MailRouting(allowPrivateMx);
        this.domains = new SharedLookups<>(maxDomains, ticker, MailDomain::ttlSeconds);
        this.hosts = new SharedLookups<>(MAX_HOSTS, ticker, h -> h.failure == null ? h.ttl : 0);
        this.slots = new QuerySlots(maxInFlight);
        List<InetSocketAddress> targets = servers.isEmpty() ? ResolverConfig.getCurrentConfig().servers() : servers;
        // One retry in all: the same server again, or each of several once; each try gets its share of the
        // budget, so that a lone server's one dropped or spoofed packet does not lose the lookup
        // (MxResolverFaultTest).
        this.tries = targets.size() == 1 ? List.of(targets.getFirst(), targets.getFirst()) : List.copyOf(targets);
        this.tryTimeout = timeout.dividedBy(Math.max(2, targets.size()));
        ExtendedResolver resolver = new ExtendedResolver(targets.stream().map(s -> (Resolver) new SimpleResolver(s)).toList());
        IoClientFactory io = new IoClientFactory() {
            @Override
            public TcpIoClient createOrGetTcpClient() {
                return tcp;
            }

            @Override
            public UdpIoClient createOrGetUdpClient() {
                return udp;
            }
        };
        // The same tries for dnsjava's rare path: its "retries" counts tries per server, and
        // ExtendedResolver.setTimeout would give every try the whole budget, so the try timeouts are set on
        // the servers alone.
        resolver.setRetries(targets.size() == 1 ? 2 : 1);
        for (Resolver r : resolver.getResolvers()) {
            r.setTimeout(tryTimeout);
            ((SimpleResolver) r).setIoClientFactory(io);
        }
        this.network = new CountingResolver(resolver);
        // Only CNAME chains reach it: a small cache is enough.
        Cache records = new Cache();
        records.setMaxEntries(1_000);
        this.session = LookupSession.builder().resolver(network).cache(records).clearSearchPath().build();
    }

    /** Where mail for {@code asciiDomain} goes; shared with every other caller asking for the same domain. */
    public CompletableFuture<MailDomain> resolve(String asciiDomain) {
        return domains.get(asciiDomain, this::lookup);
    }

    /** How long the domain's cached answer has left; empty while it is looked up or when none is cached. */
    Optional<Duration> expiresAfter(String domain) {
        return domains.expiresAfter(domain);
    }

    /** Domains in the cache now, expired and evicted ones gone. */
    long cachedDomains() {
        return domains.size();
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
        udp.close();
        tcp.close();
        // After the transport: what still waits for a slot starts now and fails at once.
        slots.close();
    }

    private CompletableFuture<MailDomain> lookup(String domain) {
        Name name;
        try {
            name = Name.fromString(domain, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a domain name: " + domain, e);
        }
        return query(name, Type.MX, false).thenCompose(mx -> switch (mx.kind) {
            case NXDOMAIN -> CompletableFuture.completedFuture(routing.noSuchDomain(domain));
            case FAILED -> CompletableFuture.completedFuture(routing.mxLookupFailed(domain, mx.failure));
            case NODATA -> addresses(name).thenApply(self -> routing.implicitMx(domain, self));
            case RECORDS -> fromMxRecords(domain, mx);
        });
    }

    private CompletableFuture<MailDomain> fromMxRecords(String domain, Answer answer) {
        List<MXRecord> used = MailRouting.hostsToAsk(answer.records);
        List<CompletableFuture<HostLookup>> lookups = new ArrayList<>(used.size());
        for (MXRecord r : used) {
            lookups.add(addresses(r.getTarget()));
        }
        // Judged once every host's lookup is done: the joins below do not wait.
        return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).thenApply(all -> routing.viaMx(
                domain, answer.records, answer.ttl, lookups.stream().map(CompletableFuture::join).toList()));
    }

    /**
     * A and AAAA of one name, both asked at once; IPv4 addresses first. Shared by every domain whose MX is
     * that host, in flight and for the answers' TTL.
     */
    private CompletableFuture<HostLookup> addresses(Name host) {
        return hosts.get(host, h -> query(h, Type.A, true).thenCombine(query(h, Type.AAAA, true),
                (a, aaaa) -> hostLookup(h, a, aaaa)));
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
                            : rfc5952(ar.getAddress().getAddress()));
                }
            }
        }
        String failure = a.failure != null ? "A " + a.failure : aaaa.failure != null ? "AAAA " + aaaa.failure : null;
        // The guard's table is read once per host, not for every domain that uses it; MailRouting judges.
        return new HostLookup(hostName(host), List.copyOf(found), Collections.unmodifiableList(refusals), failure,
                Math.min(a.ttl, aaaa.ttl));
    }

    /**
     * One question, the lean way: dnsjava's {@link Message} for the wire format, sent on the pooled UDP
     * sockets (answers matched by ID and question there), TCP when the answer is truncated, the next try
     * when a try fails, all within the lookup's budget. dnsjava's LookupSession, with its cache, lock and
     * chains of futures, cost about ten times the query itself: it is kept for the rare answer that
     * redirects (CNAME, DNAME), which it follows with loop detection.
     */
    private CompletableFuture<Answer> query(Name name, int type, boolean followUp) {
        (type == Type.MX ? network.mx : network.address).increment();
        CompletableFuture<Answer> result = new CompletableFuture<>();
        slots.start(followUp, () -> {
            Message query;
            byte[] wire;
            try {
                query = newQuery(name, type);
                wire = query.toWire();
            } catch (RuntimeException e) {
                finish(result, Answer.of(e, null));
                return;
            }
            // The budget runs from the packet's start, not from when it was asked for.
            paced(result, () -> attempt(result, query, wire, 0, System.nanoTime() + timeout.toNanos(), null));
        });
        return result;
    }

    /**
     * Runs one step of a query; whatever it throws ends the query as a failure, so that its slot is freed
     * (it used to stay taken, and after --max-in-flight such failures every lookup waited for ever).
     */
    private void step(CompletableFuture<Answer> result, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            finish(result, Answer.of(e, null));
        }
    }

    /**
     * Runs a step that sends a packet when the packet budget allows: now, or later on the shared delay
     * scheduler (no thread waits).
     */
    private void paced(CompletableFuture<Answer> result, Runnable send) {
        long wait = pace.reserve();
        if (wait == 0) {
            step(result, send);
        } else {
            CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS).execute(() -> step(result, send));
        }
    }

    /**
     * dnsjava's {@link Message#newQuery} but with its ID from {@link ThreadLocalRandom}: dnsjava's comes
     * from one SecureRandom shared, lock and all, by every query of the process. Unpredictable enough
     * here: an answer counts only if it comes from the server's address and port (connected sockets), to
     * the socket's ephemeral port (renewed every few thousand queries), with this ID and this question; an
     * off-path forger sees none of our IDs to learn the generator from, and one on the path needs no ID.
     */
    private static Message newQuery(Name name, int type) {
        Message query = new Message(ThreadLocalRandom.current().nextInt(0x10000));
        query.getHeader().setFlag(Flags.RD);
        query.addRecord(org.xbill.DNS.Record.newRecord(name, type, DClass.IN), Section.QUESTION);
        query.addRecord(EDNS, Section.ADDITIONAL);
        return query;
    }

    private void attempt(CompletableFuture<Answer> result, Message query, byte[] wire, int n, long deadline,
                         Throwable last) {
        long left = deadline - System.nanoTime();
        if (n == tries.size() || left <= 0) {
            finish(result, Answer.of(last == null ? new SocketTimeoutException() : last,
                    last == null || last instanceof SocketTimeoutException || left <= 0
                    ? "no answer within " + timeout.toMillis() + " ms" : null));
            return;
        }
        InetSocketAddress server = tries.get(n);
        Duration wait = Duration.ofNanos(Math.min(left, tryTimeout.toNanos()));
        udp.sendAndReceiveUdp(null, server, query, wire, EDNS.getPayloadSize(), wait).whenComplete((bytes, error) ->
                step(result, () -> received(result, query, wire, n, deadline, server, bytes, error)));
    }

    /** What one UDP try brought: the answer, a retry, or TCP for a truncated answer. */
    private void received(CompletableFuture<Answer> result, Message query, byte[] wire, int n, long deadline,
                          InetSocketAddress server, byte[] bytes, Throwable error) {
        if (error != null) {
            Throwable e = unwrap(error);
            if (e instanceof SocketTimeoutException) {
                pace.failed();
            }
            // A retry waits its turn like any packet, and longer while the resolver seems to throttle.
            paced(result, () -> attempt(result, query, wire, n + 1, deadline, e));
            return;
        }
        Message answer;
        try {
            answer = new Message(bytes);
        } catch (IOException | RuntimeException e) {
            attempt(result, query, wire, n + 1, deadline, e);
            return;
        }
        if (!answer.getHeader().getFlag(Flags.TC)) {
            answer(result, query, answer, deadline);
            return;
        }
        tcp.sendAndReceiveTcp(null, server, query, wire, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))
                .whenComplete((whole, tcpError) -> step(result, () -> {
                    Message m = null;
                    Throwable failure = tcpError == null ? null : unwrap(tcpError);
                    if (failure == null) {
                        try {
                            m = new Message(whole);
                            if (m.getHeader().getID() != query.getHeader().getID()
                                    || !query.getQuestion().equals(m.getQuestion())) {
                                failure = new WireParseException("the TCP answer is to another question");
                            }
                        } catch (IOException | RuntimeException e) {
                            failure = e;
                        }
                    }
                    if (failure != null) {
                        attempt(result, query, wire, n + 1, deadline, failure);
                    } else {
                        answer(result, query, m, deadline);
                    }
                }));
    }

    private void answer(CompletableFuture<Answer> result, Message query, Message answer, long deadline) {
        org.xbill.DNS.Record question = query.getQuestion();
        List<org.xbill.DNS.Record> records = new ArrayList<>();
        for (org.xbill.DNS.Record r : answer.getSection(Section.ANSWER)) {
            if (r.getType() == Type.CNAME || r.getType() == Type.DNAME) {
                redirected(result, question.getName(), question.getType(), deadline);
                return;
            }
            if (r.getType() == question.getType() && r.getName().equals(question.getName())) {
                records.add(r);
            }
        }
        if (answer.getRcode() == Rcode.SERVFAIL || answer.getRcode() == Rcode.REFUSED) {
            pace.failed();
        } else {
            pace.answered();
        }
        finish(result, switch (answer.getRcode()) {
            case Rcode.NOERROR -> Answer.of(records);
            case Rcode.NXDOMAIN -> new Answer(Kind.NXDOMAIN, List.of(), null, NEGATIVE_TTL);
            default -> Answer.failed("the server answered " + Rcode.string(answer.getRcode()));
        });
    }

    /**
     * Every query ends here, once: its slot is freed first, so that the next query goes out before this
     * answer's consequences (the next lookups, the verdict, the caller's own steps) run on this thread.
     */
    private void finish(CompletableFuture<Answer> result, Answer answer) {
        if (result.isDone()) {
            return; // a step that threw after its query had finished: the slot is free already
        }
        slots.release();
        result.complete(answer);
    }

    /** The rare path: dnsjava follows the chain, with its own queries, in what is left of the budget. */
    private void redirected(CompletableFuture<Answer> result, Name name, int type, long deadline) {
        long left = Math.max(1, deadline - System.nanoTime());
        session.lookupAsync(name, type).toCompletableFuture().orTimeout(left, TimeUnit.NANOSECONDS)
                .whenComplete((found, error) -> finish(result, error == null ? Answer.of(found.getRecords())
                        // dnsjava reports its own timeout as a plain IOException; the clock tells it apart.
                        : Answer.of(error, System.nanoTime() - deadline >= -timeout.toNanos() / 10
                                ? "no answer within " + timeout.toMillis() + " ms" : null)));
    }

    static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
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

    /** @param refusals for each address, in order, why it is not on the Internet ({@link AddressGuard}), or null */
    record HostLookup(String host, List<String> addresses, List<String> refusals, String failure, long ttl) {

        /** Why its first address is not on the Internet, when none of its addresses is; else null. */
        String refusal() {
            return addresses.isEmpty() || refusals.contains(null) ? null : refusals.getFirst();
        }
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
            Throwable e = unwrap(error);
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

        static Answer failed(String why) {
            return new Answer(Kind.FAILED, List.of(), why, FAILURE_TTL);
        }
    }
}
