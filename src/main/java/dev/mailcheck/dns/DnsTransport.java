package dev.mailcheck.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import org.xbill.DNS.WireParseException;
import org.xbill.DNS.io.IoClientFactory;
import org.xbill.DNS.io.TcpIoClient;
import org.xbill.DNS.io.UdpIoClient;

/**
 * How every DNS question goes out, for {@link MxResolver} and {@link TransportSecurityLookup} alike: dnsjava's
 * {@link Message} for the wire format (queries written from a template of its bytes, answers read by it after
 * {@link DnsWire} has left out the sections no lookup reads), sent on the pooled UDP sockets ({@link PooledUdpClient}: answers matched
 * by ID and question there), TCP when the answer is truncated ({@link DeadlineTcpClient}, which a server that
 * drips its answer cannot hold past the deadline), the next try when a try fails, all within one budget per
 * query; at most so many queries in flight ({@link QuerySlots}) and packets paced ({@link QueryPace}). It
 * knows nothing of what an answer means: its asker's {@link Reading} says that.
 */
final class DnsTransport implements AutoCloseable {

    /** dnsjava's SimpleResolver default: answers up to this size come over UDP, larger ones are truncated. */
    private static final OPTRecord PLAIN = new OPTRecord(SimpleResolver.DEFAULT_EDNS_PAYLOADSIZE, 0, 0);
    /**
     * DO asks for DNSSEC records and tells the resolver the client understands them (RFC 3225); signed answers
     * are large, so the payload is the 1232 octets that avoid fragmentation (DNS flag day 2020), TCP beyond.
     */
    private static final OPTRecord DNSSEC = new OPTRecord(1232, 0, 0, ExtendedFlags.DO);

    /** What a query's answer means to its asker. */
    interface Reading<T> {

        /**
         * What the whole answer to the question says; may ask on (a CNAME chain, say) within what is left of
         * {@code deadline} ({@link System#nanoTime()}), while the query keeps its slot.
         */
        CompletableFuture<T> answered(Message answer, long deadline);

        /** The query failed: every try, a step, or the budget; {@code timedOut} says the last, else it is null. */
        T failed(Throwable error, String timedOut);
    }

    private final List<InetSocketAddress> servers;
    /** The server of each try, in order: a lone server twice, several once each. */
    private final List<InetSocketAddress> tries;
    private final Duration tryTimeout;
    private final Duration timeout;
    /** The wire form of this transport's queries, for {@link DnsWire#query}: {@link #newQuery}'s for the root. */
    private final byte[] queryTemplate;
    /**
     * Queries in flight at once. A query has no thread of its own: each step is a callback on the thread
     * that completed the one before (a socket reader, mostly), so an answer goes straight to the next
     * query or the verdict, not through a lookup thread and the scheduler; a batch's other queries wait
     * as queued starts, not as parked threads, whose stacks every young collection would copy.
     */
    private final QuerySlots slots;
    /** The packet budget and the back-off from a throttling resolver. */
    private final QueryPace pace;
    private final PooledUdpClient udp = new PooledUdpClient();
    /** Where an answer's consequences run: the socket readers only read, decode and send (AnswerHandoff). */
    private final AnswerHandoff answers = new AnswerHandoff("dns-answers");
    private final DeadlineTcpClient tcp = new DeadlineTcpClient();
    /** Steps waiting for their turn under the packet budget ({@link #paced}): closing runs them at once, to fail. */
    private final Set<Turn> turns = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param servers     resolvers to ask, in order; empty means the system's (/etc/resolv.conf)
     * @param timeout     how long one query may take in all, retries included
     * @param maxInFlight queries outstanding at once, so a large batch does not flood the resolver
     * @param qps         DNS packets sent per second at most ({@link QueryPace}); 0 for no budget
     * @param dnssec      ask with the DO and AD bits (RFC 3225, RFC 6840 §5.7), for answers that say whether the
     *                    resolver validated them
     */
    DnsTransport(List<InetSocketAddress> servers, Duration timeout, int maxInFlight, int qps, boolean dnssec) {
        List<InetSocketAddress> targets = servers.isEmpty() ? ResolverConfig.getCurrentConfig().servers() : servers;
        this.servers = List.copyOf(targets);
        // One retry in all: the same server again, or each of several once; each try gets its share of the
        // budget, so that a lone server's one dropped or spoofed packet does not lose the query
        // (MxResolverFaultTest).
        this.tries = targets.size() == 1 ? List.of(targets.getFirst(), targets.getFirst()) : List.copyOf(targets);
        // In nanoseconds, not Duration.dividedBy: its BigDecimal arithmetic set up BigDecimal at every start (4 ms).
        this.tryTimeout = Duration.ofNanos(timeout.toNanos() / Math.max(2, targets.size()));
        this.timeout = timeout;
        this.queryTemplate = DnsWire.template(newQuery(0, Name.root, Type.A, dnssec));
        this.slots = new QuerySlots(maxInFlight);
        this.pace = new QueryPace(qps);
    }

    /**
     * dnsjava's own resolver on this transport's sockets and with its tries, for the rare path that needs
     * dnsjava's logic (CNAME and DNAME chains, with loop detection); it is neither slotted nor paced.
     */
    Resolver dnsjavaResolver() {
        ExtendedResolver resolver = new ExtendedResolver(servers.stream().map(s -> (Resolver) new SimpleResolver(s)).toList());
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
        // The same tries: dnsjava's "retries" counts tries per server, and ExtendedResolver.setTimeout would
        // give every try the whole budget, so the try timeouts are set on the servers alone.
        resolver.setRetries(servers.size() == 1 ? 2 : 1);
        for (Resolver r : resolver.getResolvers()) {
            r.setTimeout(tryTimeout);
            ((SimpleResolver) r).setIoClientFactory(io);
        }
        return resolver;
    }

    /** What a query says when it ran out of its budget. */
    String noAnswerInTime() {
        return "no answer within " + timeout.toMillis() + " ms";
    }

    /**
     * Asks {@code type} of {@code name}; the answer goes to {@code reading}, and the query's slot is free again
     * before the result completes.
     *
     * @param followUp a query of a lookup already under way (an MX host's address), which goes before new ones
     */
    <T> CompletableFuture<T> query(Name name, int type, boolean followUp, Reading<T> reading) {
        byte[] wire;
        try {
            wire = name.toWire();
        } catch (RuntimeException e) {
            // A relative name has no wire form: a failed query, as any other step's failure, not an exception here.
            return CompletableFuture.completedFuture(reading.failed(e, null));
        }
        return query(wire, type, followUp, reading);
    }

    /** {@link #query(Name, int, boolean, Reading)} for the name whose wire form is {@code name} (see DnsWire.name). */
    <T> CompletableFuture<T> query(byte[] name, int type, boolean followUp, Reading<T> reading) {
        QueryResult<T> result = new QueryResult<>();
        slots.start(followUp, () -> step(result, reading, () -> {
            byte[] wire = DnsWire.query(queryTemplate, ThreadLocalRandom.current().nextInt(0x10000), name, type);
            // The budget runs from the query's start (its slot), the packet budget's waits included.
            long deadline = System.nanoTime() + timeout.toNanos();
            paced(result, reading, deadline, () -> attempt(result, reading, wire, 0, deadline, null));
        }));
        return result;
    }

    @Override
    public void close() {
        closed = true;
        udp.close();
        tcp.close();
        // After the transport: what still waits for its turn or for a slot goes now and fails at once.
        List.copyOf(turns).forEach(Turn::run);
        slots.close();
        answers.close();
    }

    /**
     * Runs one step of a query; whatever it throws ends the query as a failure, so that its slot is freed
     * (it used to stay taken, and after --max-in-flight such failures every lookup waited for ever).
     */
    private <T> void step(QueryResult<T> result, Reading<T> reading, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            finish(result, reading.failed(e, null));
        }
    }

    /**
     * Runs a step that sends a packet when the packet budget allows: now, or later on the shared delay
     * scheduler (no thread waits). A send that the budget cannot fit before the query's deadline is not
     * reserved: the step runs at the deadline and finds no time left, so a throttling resolver costs each
     * lookup its own budget, not a queue of pauses as long as the list.
     */
    private <T> void paced(QueryResult<T> result, Reading<T> reading, long deadline, Runnable send) {
        long left = deadline - System.nanoTime();
        long reserved = pace.reserve(left);
        long wait = reserved < 0 ? Math.max(0, left) : reserved;
        if (wait == 0) {
            step(result, reading, send);
            return;
        }
        Turn turn = new Turn(() -> step(result, reading, send));
        turns.add(turn);
        CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS).execute(turn);
        if (closed) {
            turn.run(); // close() may have looked before it was added
        }
    }

    /** A paced step, run once: at its turn, or when the transport closes, whichever comes first. */
    private final class Turn extends AtomicBoolean implements Runnable {
        private final Runnable step;

        Turn(Runnable step) {
            this.step = step;
        }

        @Override
        public void run() {
            if (compareAndSet(false, true)) {
                turns.remove(this);
                step.run();
            }
        }
    }

    /**
     * A query as this transport asks it: dnsjava's {@link Message#newQuery} with the EDNS record and flags, and
     * {@code id}, which {@link #query} takes from {@link ThreadLocalRandom}: dnsjava's comes from one SecureRandom
     * shared, lock and all, by every query of the process. Unpredictable enough here: an answer counts only if it
     * comes from the server's address and port (connected sockets), to the socket's ephemeral port (renewed every
     * few thousand queries), with this ID and this question; an off-path forger sees none of our IDs to learn the
     * generator from, and one on the path needs no ID. Queries are written from its wire form for the root
     * ({@link DnsWire#query}).
     */
    static Message newQuery(int id, Name name, int type, boolean dnssec) {
        Message query = new Message(id);
        query.getHeader().setFlag(Flags.RD);
        if (dnssec) {
            query.getHeader().setFlag(Flags.AD);
        }
        query.addRecord(org.xbill.DNS.Record.newRecord(name, type, DClass.IN), Section.QUESTION);
        query.addRecord(dnssec ? DNSSEC : PLAIN, Section.ADDITIONAL);
        return query;
    }

    private <T> void attempt(QueryResult<T> result, Reading<T> reading, byte[] wire, int n, long deadline,
                             Throwable last) {
        long left = deadline - System.nanoTime();
        if (n == tries.size() || left <= 0) {
            finish(result, reading.failed(last == null ? new SocketTimeoutException() : last,
                    last == null || last instanceof SocketTimeoutException || left <= 0 ? noAnswerInTime() : null));
            return;
        }
        InetSocketAddress server = tries.get(n);
        Duration wait = Duration.ofNanos(Math.min(left, tryTimeout.toNanos()));
        udp.exchange(server, wire, wait).whenComplete((bytes, error) ->
                step(result, reading, () -> received(result, reading, wire, n, deadline, server, bytes, error)));
    }

    /** What one UDP try brought: the answer, a retry, or TCP for a truncated answer. */
    private <T> void received(QueryResult<T> result, Reading<T> reading, byte[] wire, int n, long deadline,
                              InetSocketAddress server, byte[] bytes, Throwable error) {
        if (error != null) {
            Throwable e = unwrap(error);
            if (e instanceof SocketTimeoutException) {
                pace.failed();
            }
            // A retry waits its turn like any packet, and longer while the resolver seems to throttle.
            paced(result, reading, deadline, () -> attempt(result, reading, wire, n + 1, deadline, e));
            return;
        }
        Message answer;
        try {
            answer = new Message(DnsWire.answerOnly(bytes));
        } catch (IOException | RuntimeException e) {
            attempt(result, reading, wire, n + 1, deadline, e);
            return;
        }
        if (!answer.getHeader().getFlag(Flags.TC)) {
            answered(result, reading, answer, deadline);
            return;
        }
        tcp.exchange(server, wire, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))
                .whenComplete((whole, tcpError) -> step(result, reading, () -> {
                    Message m = null;
                    Throwable failure = tcpError == null ? null : unwrap(tcpError);
                    if (failure == null) {
                        try {
                            m = new Message(whole);
                            Message query = new Message(wire);
                            if (m.getHeader().getID() != query.getHeader().getID()
                                    || !query.getQuestion().equals(m.getQuestion())) {
                                failure = new WireParseException("the TCP answer is to another question");
                            }
                        } catch (IOException | RuntimeException e) {
                            failure = e;
                        }
                    }
                    if (failure != null) {
                        attempt(result, reading, wire, n + 1, deadline, failure);
                    } else {
                        answered(result, reading, m, deadline);
                    }
                }));
    }

    private <T> void answered(QueryResult<T> result, Reading<T> reading, Message answer, long deadline) {
        int rcode = answer.getRcode(); // read once: each read looks for the OPT record (kept when its RCODE bits count)
        if (rcode == Rcode.SERVFAIL || rcode == Rcode.REFUSED) {
            pace.failed();
        } else {
            pace.answered();
        }
        CompletableFuture<T> meaning = reading.answered(answer, deadline);
        // Most answers mean something at once: no dependent future for them.
        if (meaning.state() == Future.State.SUCCESS) {
            finish(result, meaning.resultNow());
        } else {
            meaning.whenComplete((t, e) -> finish(result, e == null ? t : reading.failed(unwrap(e), null)));
        }
    }

    /**
     * Every query ends here, once: its slot is freed first, so that the next query goes out from this thread (a
     * socket reader, mostly), and this answer's consequences (the next lookups, the verdict, the caller's own
     * steps) are handed to {@link #answers}.
     */
    private <T> void finish(QueryResult<T> result, T answer) {
        if (!result.finish()) {
            return; // a step that threw after its query had finished: the slot is free already
        }
        slots.release();
        answers.execute(() -> result.complete(answer));
    }

    /** A query's answer, finished once: its completion runs later, on {@link #answers}. */
    private static final class QueryResult<T> extends CompletableFuture<T> {
        @SuppressWarnings("rawtypes")
        private static final AtomicIntegerFieldUpdater<QueryResult> FINISHED =
                AtomicIntegerFieldUpdater.newUpdater(QueryResult.class, "finished");
        private volatile int finished;

        /** True the first time only. */
        boolean finish() {
            return FINISHED.compareAndSet(this, 0, 1);
        }
    }

    static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
