package dev.mailcheck.dns;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.Message;
import org.xbill.DNS.io.TcpIoClient;

/**
 * DNS over TCP (RFC 7766 framing) with one deadline for the whole exchange: connect, query and answer,
 * however slowly the answer comes. dnsjava's own client let a server that drips its answer a byte at a
 * time stretch a 5 s lookup to 11–49 s. At the deadline the connection is closed, which ends whatever
 * step it was in; every way a query ends closes its connection. TCP is the rare path (truncated answers),
 * so each query has its own connection and (virtual) thread.
 */
final class DeadlineTcpClient implements TcpIoClient, AutoCloseable {

    private final ScheduledThreadPoolExecutor alarms = alarms();
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    @Override
    public CompletableFuture<byte[]> sendAndReceiveTcp(InetSocketAddress local, InetSocketAddress remote, Message query,
                                                      byte[] data, Duration timeout) {
        return start(local, remote, data, timeout);
    }

    /** The answer to the query {@code data} (its wire form) from {@code remote}, within {@code timeout}. */
    CompletableFuture<byte[]> exchange(InetSocketAddress remote, byte[] data, Duration timeout) {
        return start(null, remote, data, timeout);
    }

    private CompletableFuture<byte[]> start(InetSocketAddress local, InetSocketAddress remote, byte[] data,
                                            Duration timeout) {
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        try {
            SocketChannel channel = SocketChannel.open();
            open.add(channel);
            answer.whenComplete((bytes, error) -> close(channel));
            if (closed) {
                throw new ClosedChannelException(); // close() may have missed this channel
            }
            ScheduledFuture<?> alarm = alarms.schedule(
                    () -> answer.completeExceptionally(new SocketTimeoutException("Query timed out")),
                    timeout.toNanos(), TimeUnit.NANOSECONDS);
            answer.whenComplete((bytes, error) -> alarm.cancel(false));
            Thread.ofVirtual().name("dns-tcp-" + remote).start(() -> converse(channel, local, remote, data, answer));
        } catch (IOException | RuntimeException e) {
            answer.completeExceptionally(e);
        }
        return answer;
    }

    private static void converse(SocketChannel channel, InetSocketAddress local, InetSocketAddress remote, byte[] data,
                                 CompletableFuture<byte[]> answer) {
        try {
            if (local != null) {
                channel.bind(local);
            }
            channel.connect(remote);
            ByteBuffer out = ByteBuffer.allocate(2 + data.length).putShort((short) data.length).put(data).flip();
            while (out.hasRemaining()) {
                channel.write(out);
            }
            ByteBuffer length = readFully(channel, ByteBuffer.allocate(2));
            answer.complete(readFully(channel, ByteBuffer.allocate(length.getShort(0) & 0xffff)).array());
        } catch (IOException | RuntimeException e) {
            answer.completeExceptionally(e); // after the deadline's close this changes nothing
        }
    }

    private static ByteBuffer readFully(SocketChannel channel, ByteBuffer into) throws IOException {
        while (into.hasRemaining()) {
            if (channel.read(into) < 0) {
                throw new EOFException("the server closed the connection mid-answer");
            }
        }
        return into;
    }

    private void close(SocketChannel channel) {
        open.remove(channel);
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        alarms.shutdownNow();
        // With the alarms gone, closing is what ends the exchanges still running.
        for (SocketChannel c : List.copyOf(open)) {
            close(c);
        }
    }

    private static ScheduledThreadPoolExecutor alarms() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("dns-tcp-deadlines").factory());
        e.setRemoveOnCancelPolicy(true);
        return e;
    }
}
