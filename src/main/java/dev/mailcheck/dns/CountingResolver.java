package dev.mailcheck.dns;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.Type;

/** Counts the queries that reach the network (cache hits never get here), by question type. */
final class CountingResolver implements Resolver {

    private final Resolver delegate;
    final LongAdder mx = new LongAdder();
    final LongAdder address = new LongAdder();
    final LongAdder other = new LongAdder();

    CountingResolver(Resolver delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletionStage<Message> sendAsync(Message query, Executor executor) {
        switch (query.getQuestion().getType()) {
            case Type.MX -> mx.increment();
            case Type.A, Type.AAAA -> address.increment();
            default -> other.increment();
        }
        return delegate.sendAsync(query, executor);
    }

    @Override
    public void setPort(int port) {
        delegate.setPort(port);
    }

    @Override
    public void setTCP(boolean flag) {
        delegate.setTCP(flag);
    }

    @Override
    public void setIgnoreTruncation(boolean flag) {
        delegate.setIgnoreTruncation(flag);
    }

    @Override
    public void setEDNS(int version, int payloadSize, int flags, List<EDNSOption> options) {
        delegate.setEDNS(version, payloadSize, flags, options);
    }

    @Override
    public void setTSIGKey(TSIG key) {
        delegate.setTSIGKey(key);
    }

    @Override
    public void setTimeout(Duration timeout) {
        delegate.setTimeout(timeout);
    }

    @Override
    public Duration getTimeout() {
        return delegate.getTimeout();
    }
}
