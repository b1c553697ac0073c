package dev.mailcheck.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.xbill.DNS.Message;
import org.xbill.DNS.io.UdpIoClient;

/**
 * UDP for dnsjava through a few long-lived sockets per server. dnsjava's own transport opens, binds,
 * registers and closes a socket for every query, which held a lookup here to about 2,000 queries a
 * second whatever the concurrency, against a server that answers 75,000. Each socket here has its own
 * reader, and an answer completes the query whose ID and question it carries; anything else (a late
 * answer, a wrong ID, a packet too short to be DNS) is dropped, as if never received, so the query
 * waits for its own answer or its timeout. Each socket is bound to an ephemeral port the system picks
 * and retired after {@link #QUERIES_PER_SOCKET} queries, so the source port keeps changing.
 */
final class PooledUdpClient implements UdpIoClient, AutoCloseable {

    static final int SOCKETS_PER_SERVER = 8;
    static final int QUERIES_PER_SOCKET = 5_000;
    /** A query times out up to this much after its timeout. */
    static final long TICK_MILLIS = 10;
    private static final int MAX_UDP = 65_535;
    private static final int RECEIVE_BUFFER = 1 << 20;

    private final int queriesPerSocket;
    private final Map<InetSocketAddress, AtomicReferenceArray<Socket>> pools = new ConcurrentHashMap<>();
    /** Every socket not yet closed, retired ones included: their queries still wait for answers. */
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /**
     * Times queries out by a sweep every {@link #TICK_MILLIS} while any is waiting, not by a timer task per
     * query: scheduling and cancelling one per query (a lock and a heap) cost a twentieth of the stage.
     */
    private final ScheduledThreadPoolExecutor timeouts =
            new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("dns-udp-timeouts").factory());
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private volatile boolean closed;

    PooledUdpClient() {
        this(QUERIES_PER_SOCKET);
    }

    PooledUdpClient(int queriesPerSocket) {
        this.queriesPerSocket = queriesPerSocket;
    }

    /** For dnsjava's resolver: {@code data} is {@code query}'s wire form, and holds its ID. */
    @Override
    public CompletableFuture<byte[]> sendAndReceiveUdp(InetSocketAddress local, InetSocketAddress remote, Message query,
                                                      byte[] data, int max, Duration timeout) {
        return exchange(remote, data, timeout);
    }

    /** The answer to the query {@code data} (its wire form, ID first) from {@code remote}, within {@code timeout}. */
    CompletableFuture<byte[]> exchange(InetSocketAddress remote, byte[] data, Duration timeout) {
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        if (closed) {
            answer.completeExceptionally(new ClosedChannelException());
            return answer;
        }
        AtomicReferenceArray<Socket> pool = pools.computeIfAbsent(remote, r -> new AtomicReferenceArray<>(SOCKETS_PER_SERVER));
        int id = data.length < 2 ? 0 : (data[0] & 0xff) << 8 | data[1] & 0xff;
        Pending pending = new Pending(answer, question(data), System.nanoTime() + timeout.toNanos());
        int first = ThreadLocalRandom.current().nextInt(SOCKETS_PER_SERVER);
        try {
            // A socket already waiting on this ID can't take the query: try the others.
            for (int i = 0; i < SOCKETS_PER_SERVER; i++) {
                Socket socket = socket(pool, (first + i) % SOCKETS_PER_SERVER, remote);
                if (socket.pending.putIfAbsent(id, pending) == null) {
                    answer.whenComplete((bytes, error) -> socket.done(id, pending));
                    sweepSoon();
                    if (closed) {
                        // close() may have missed this socket or the sweep: nothing would end the wait.
                        throw new ClosedChannelException();
                    }
                    socket.send(data);
                    return answer;
                }
                socket.release();
            }
            answer.completeExceptionally(new IOException("query ID " + id + " is already in use on every socket"));
        } catch (IOException | RuntimeException e) {
            // Any failure here (an unresolved or unsupported server address throws unchecked exceptions) ends
            // the query, which frees its socket and, through its lookup, its slot.
            answer.completeExceptionally(e);
        }
        return answer;
    }

    /** Queries waiting for an answer or their timeout: none once every query has finished. */
    int waitingQueries() {
        return open.stream().mapToInt(s -> s.pending.size()).sum();
    }

    private void sweepSoon() {
        if (!sweeping.get() && sweeping.compareAndSet(false, true)) {
            timeouts.schedule(this::sweep, TICK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Socket s : open) {
            for (Pending p : s.pending.values()) {
                if (now - p.deadline >= 0) {
                    // The exception dnsjava's own transport gives, so that retries and timeouts work as with it.
                    p.answer.completeExceptionally(new SocketTimeoutException("Query timed out"));
                }
            }
        }
        sweeping.set(false);
        // A query registered during the sweep may have seen it still running: look again.
        if (waitingQueries() > 0) {
            sweepSoon();
        }
    }

    /**
     * The socket in {@code slot}, a new one if it is empty or has served its share of queries; claimed for
     * one query, so that it stays open until that query is {@link Socket#done done} or released.
     */
    private Socket socket(AtomicReferenceArray<Socket> pool, int slot, InetSocketAddress remote) throws IOException {
        while (true) {
            Socket current = pool.get(slot);
            if (current != null && current.sent.incrementAndGet() <= queriesPerSocket) {
                if (current.claim()) {
                    return current;
                }
                // Another thread has just put a new socket in the slot and retired this one: take that.
                continue;
            }
            Socket fresh = new Socket(remote);
            fresh.sent.incrementAndGet();
            fresh.claim();
            // Open before it is in the slot, where other threads may take it at once: a query waiting on a socket the
            // sweep and close() can't see yet would never time out, and the socket would outlive close().
            open.add(fresh);
            if (pool.compareAndSet(slot, current, fresh)) {
                if (current != null) {
                    current.retire();
                }
                return fresh;
            }
            fresh.close();
        }
    }

    /** The question section of a query as dnsjava wrote it: one uncompressed name, type and class. */
    static byte[] question(byte[] query) {
        int end = 12;
        while (end < query.length && query[end] != 0) {
            end += (query[end] & 0xff) + 1;
        }
        return Arrays.copyOfRange(query, 12, Math.min(query.length, end + 5));
    }

    @Override
    public void close() {
        closed = true;
        timeouts.shutdownNow();
        // Retired sockets too: with the sweep gone, only their readers' failure ends their queries' waits.
        for (Socket s : List.copyOf(open)) {
            s.close();
        }
    }

    private record Pending(CompletableFuture<byte[]> answer, byte[] question, long deadline) {
    }

    private final class Socket {
        /** Added to {@link #users} when the socket leaves its slot; it closes when the last user is done. */
        private static final int RETIRED = 1 << 30;

        final DatagramChannel channel;
        final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
        final AtomicInteger sent = new AtomicInteger();
        /**
         * Queries holding this socket, plus {@link #RETIRED}. Queries are counted from before they are
         * registered until they are done, so retiring never closes a socket a query is about to send on.
         */
        private final AtomicInteger users = new AtomicInteger();

        Socket(InetSocketAddress remote) throws IOException {
            channel = DatagramChannel.open();
            try {
                // Room for every answer in flight even while the reader is held up (a collection, a busy machine):
                // a dropped answer costs its lookup a whole try's timeout, and a batch waits for its last lookup.
                channel.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER);
                channel.bind(null);
                channel.connect(remote);
                // A platform thread blocked in receive: a virtual one parks and is woken through the poller and the
                // carrier pool for each packet, which cost a one-address-per-domain run more CPU than the reading.
                Thread.ofPlatform().daemon().name("dns-udp-" + channel.getLocalAddress()).start(this::read);
            } catch (IOException | RuntimeException e) {
                channel.close(); // a socket that never served is closed at once, whatever went wrong
                throw e;
            }
        }

        private void read() {
            ByteBuffer buffer = ByteBuffer.allocate(MAX_UDP);
            IOException end = new ClosedChannelException();
            while (channel.isOpen()) {
                buffer.clear();
                try {
                    channel.read(buffer);
                } catch (IOException e) {
                    if (!channel.isOpen()) {
                        end = e;
                        break;
                    }
                    // An ICMP error for an earlier packet (port or host unreachable, prohibited by a filter): the
                    // kernel reports it once, to the next call on the socket. The reader goes on, or later answers
                    // to this socket would go unread until it retires, each query waiting out its timeout.
                    unreachable(e);
                    continue;
                }
                buffer.flip();
                if (buffer.remaining() < 12) {
                    continue;
                }
                Pending p = pending.get(buffer.getShort(0) & 0xffff);
                if (p != null && sameQuestion(buffer, p.question)) {
                    byte[] bytes = new byte[buffer.remaining()];
                    buffer.get(bytes);
                    p.answer.complete(bytes);
                }
            }
            // Closed while reading or between two reads (MxResolverFaultTest): no answer comes for what waits.
            for (Pending p : List.copyOf(pending.values())) {
                p.answer.completeExceptionally(end);
            }
        }

        /**
         * An ICMP "port unreachable" comes back on whichever call touches the socket next, a send as well as
         * the reader's receive, and can't be told apart by query: every query to this server fails.
         */
        void send(byte[] data) throws IOException {
            try {
                channel.write(ByteBuffer.wrap(data));
            } catch (PortUnreachableException e) {
                unreachable(e);
                throw e;
            }
        }

        private void unreachable(IOException e) {
            List.copyOf(pending.values()).forEach(p -> p.answer.completeExceptionally(e));
        }

        private static boolean sameQuestion(ByteBuffer answer, byte[] question) {
            if (answer.remaining() < 12 + question.length) {
                return false;
            }
            for (int i = 0; i < question.length; i++) {
                // Names compare without regard to ASCII case (servers may echo 0x20-randomised case back).
                if (lower(answer.get(12 + i)) != lower(question[i])) {
                    return false;
                }
            }
            return true;
        }

        private static byte lower(byte b) {
            return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
        }

        /** Takes the socket for one query; false once it is retired. */
        boolean claim() {
            while (true) {
                int u = users.get();
                if (u >= RETIRED) {
                    return false;
                }
                if (users.compareAndSet(u, u + 1)) {
                    return true;
                }
            }
        }

        void release() {
            if (users.decrementAndGet() == RETIRED) {
                close();
            }
        }

        void done(int id, Pending p) {
            pending.remove(id, p);
            release();
        }

        void retire() {
            if (users.getAndAdd(RETIRED) == 0) {
                close();
            }
        }

        void close() {
            open.remove(this);
            try {
                channel.close();
            } catch (IOException e) {
                // closing: nothing left to do with it
            }
        }
    }
}
