package dev.mailcheck.aws;

import dev.mailcheck.jobs.Chunk;
import dev.mailcheck.jobs.SmtpItem;
import dev.mailcheck.lists.ResultWriter;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.smtp.ProviderGroups;
import dev.mailcheck.store.ResultStore;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * What a job function's first event does that needs no network, rehearsed before SnapStart's snapshot (after
 * {@link SdkPriming}'s requests): after priming the SDK, a chunk's first event still spent most of its time
 * building Jackson's reader of chunks, the address parser's IDNA tables, the signals' caches and the result JSON
 * and CSV writers, and an SMTP item's first event the TLS handshake's classes and key exchange. Nothing here
 * sends a packet: the addresses checked are ones the syntax stage settles (no DNS query), results go to a store
 * on {@link Rehearsal}'s HTTP client, the DNS message is built and read in memory, the TLS engine's first flight
 * is never sent, and the UDP channel is closed unbound.
 */
final class FirstEvent {

    /**
     * Addresses the syntax stage settles, so their checks ask no DNS server: no address at all, a slip at an IDN
     * domain that a repair suggests (the IDNA tables), a broken character.
     */
    static final List<String> SETTLED_BY_SYNTAX = List.of("not an address", "anna@bücher,example", "x\ufffd@x");
    /** A chunk of those addresses. */
    static final String CHUNK = """
            {"job": "PRIMING", "results_key": "results/priming.csv", "chunk": 0, "first": 0,
             "records": [{"value": "not an address"}, {"value": "anna@bücher,example"}, {"value": "x\\ufffd@x"}]}""";
    static final String SMTP_ITEM = """
            {"job": "PRIMING", "results_key": "results/priming.csv", "chunk": 0, "domain": "example.com",
             "group": "example.com", "tries": 1, "started": 0, "entries": [{"position": 0, "input": "a@example.com"}]}""";

    private FirstEvent() {
    }

    /** The chunk function's: a chunk read, its addresses checked, their results stored and written as CSV. */
    static void chunk(Checker checker, ResultStore rehearsalStore) {
        Chunk chunk = Chunk.fromJson(CHUNK);
        results(checker, rehearsalStore, chunk.records().stream().map(r -> r.value()).toList());
    }

    /**
     * The SMTP function's: a work item read, its provider group, a DNS answer read, results checked, stored and
     * written as CSV rows (the ledger's), and a TLS client's first flight.
     */
    static void smtp(Checker checker, ResultStore rehearsalStore) {
        SmtpItem item = SmtpItem.fromJson(SMTP_ITEM);
        ProviderGroups.bundled().of("mx." + item.domain());
        dnsAnswer(item.domain());
        // The item's own address would need DNS: addresses the syntax stage settles stand in for it.
        results(checker, rehearsalStore, SETTLED_BY_SYNTAX);
        tlsHello();
        udpChannel();
    }

    /** Addresses checked, their results stored and written as CSV. */
    private static void results(Checker checker, ResultStore rehearsalStore, List<String> addresses) {
        List<ResultStore.Positioned> results = new ArrayList<>();
        for (int i = 0; i < addresses.size(); i++) {
            results.add(new ResultStore.Positioned(i, checker.check(addresses.get(i)).join()));
        }
        rehearsalStore.job("PRIMING");
        rehearsalStore.putResults("PRIMING", results);
        StringWriter csv = new StringWriter();
        ResultWriter writer = ResultWriter.of(ResultWriter.Format.CSV, csv, null);
        results.forEach(r -> writer.write(r.result()));
        try {
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An MX answer as the resolver reads one, written and parsed in memory. */
    private static void dnsAnswer(String domain) {
        try {
            Name name = Name.fromString(domain + ".");
            Message answer = Message.newQuery(org.xbill.DNS.Record.newRecord(name, Type.MX, DClass.IN));
            answer.addRecord(new MXRecord(name, DClass.IN, 300, 10, Name.fromString("mx." + domain + ".")), Section.ANSWER);
            new Message(answer.toWire()).getSection(Section.ANSWER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A TLS client's ClientHello (key shares made), never sent, on a context of its own that is dropped: the SMTP
     * session's STARTTLS context is still made after the restore, so no random state of this one is in the snapshot's use.
     */
    private static void tlsHello() {
        try {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, null, null);
            SSLEngine engine = tls.createSSLEngine("priming.invalid", 25);
            engine.setUseClientMode(true);
            engine.beginHandshake();
            engine.wrap(ByteBuffer.allocate(0), ByteBuffer.allocate(engine.getSession().getPacketBufferSize()));
            engine.closeOutbound();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("TLS rehearsal failed", e);
        }
    }

    /** The resolver's UDP channel classes: opened and closed unbound, no port taken, nothing sent. */
    private static void udpChannel() {
        try {
            DatagramChannel.open().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
