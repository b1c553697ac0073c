package dev.mailcheck.testbed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Recorded DNS answers (as python email-validator keeps tests/mocked-dns-answers.json): what the test NSD
 * answered, kept as JSON under {@code src/test/resources/dns/}, served again by a {@link FakeDnsServer} so that
 * table tests run without NSD. A query not recorded is REFUSED, as NSD refuses a name outside its zones.
 * To record again after the zones change: {@link #recording} in front of the test NSD, then {@link #write}
 * (CheckerTest's {@code main} does both for its table).
 */
public final class RecordedDns {

    /** One recorded answer: the rcode's name and the answer section as zone-file lines. */
    public record Answer(String rcode, List<String> answer) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private RecordedDns() {
    }

    private static String key(Message query) {
        return query.getQuestion().getName() + " " + Type.string(query.getQuestion().getType());
    }

    /** A script answering from the answers recorded in {@code resource} (on the test class path). */
    public static FakeDnsServer.Script replaying(String resource) {
        Map<String, Answer> answers;
        try (InputStream in = RecordedDns.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no recorded answers at " + resource);
            }
            answers = JSON.readValue(in, JSON.getTypeFactory().constructMapType(TreeMap.class, String.class, Answer.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return (query, transport) -> {
            Answer a = answers.get(key(query));
            if (a == null) {
                return FakeDnsServer.reply(query, Rcode.REFUSED).toWire();
            }
            Message m = FakeDnsServer.reply(query, Rcode.value(a.rcode()));
            for (String line : a.answer()) {
                String[] f = line.split("\\s+", 5); // owner, TTL, class, type, data
                m.addRecord(Record.fromString(Name.fromString(f[0]), Type.value(f[3]), DClass.IN, Long.parseLong(f[1]),
                        f[4], Name.root), Section.ANSWER);
            }
            return m.toWire();
        };
    }

    /** A script that forwards each query to {@code server} (the test NSD) and keeps its answer in {@code into}. */
    public static FakeDnsServer.Script recording(java.net.InetSocketAddress server, Map<String, Answer> into) {
        SimpleResolver nsd = new SimpleResolver(server);
        nsd.setTimeout(Duration.ofSeconds(3));
        return (query, transport) -> {
            Message reply = nsd.send(query);
            List<String> lines = new ArrayList<>();
            for (Record r : reply.getSection(Section.ANSWER)) {
                lines.add(r.getName() + " " + r.getTTL() + " IN " + Type.string(r.getType()) + " " + r.rdataToString());
            }
            into.put(key(query), new Answer(Rcode.string(reply.getRcode()), lines));
            return reply.toWire();
        };
    }

    public static Map<String, Answer> newRecording() {
        return new ConcurrentHashMap<>();
    }

    public static void write(Map<String, Answer> answers, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, JSON.writeValueAsString(new TreeMap<>(answers)) + "\n");
    }
}
