package dev.mailcheck.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Where a list is cut: by records per chunk, and by what a chunk's records can take in one SQS message. */
class ListSplitterTest {

    /** SQS's largest message. */
    private static final int SQS_MAX_BYTES = 256 * 1024;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # scenario                                            | records | record     | per chunk | chunk sizes
            no records: one empty chunk, so the job still ends    | 0       | a@x.test   | 2         | 0
            short records, cut by count                           | 5       | a@x.test   | 2         | 2 2 1
            exactly full chunks                                   | 4       | a@x.test   | 2         | 2 2
            long records, cut by bytes before the count           | 3       | 100000 x   | 2000      | 1 1 1
            quotes take two bytes each in JSON                    | 5       | 40000 "    | 2000      | 2 2 1
            control characters take six                           | 3       | 20000 \\t  | 2000      | 1 1 1
            three-byte characters                                 | 4       | 30000 €    | 2000      | 2 2
            """)
    void aListIsCutByCountAndBySize(String scenario, int n, String record, int perChunk, String sizes) {
        String value = value(record);
        List<Chunk> sent = new ArrayList<>();
        Job job = new Job("split", "test", JobStatus.RUNNING, 0, Map.of(), Instant.now(), Instant.now(), "results/x.csv", 0);
        int count = new ListSplitter(sent::add, perChunk).send(job,
                IntStream.range(0, n).mapToObj(i -> new InputRecords.Input(value, null)).iterator(), SmtpDepth.RCPT);
        assertEquals(sizes, String.join(" ", sent.stream().map(c -> Integer.toString(c.records().size())).toList()));
        assertEquals(sent.size(), count);
        long first = 0;
        for (int i = 0; i < sent.size(); i++) {
            Chunk c = sent.get(i);
            assertEquals(List.of("split", "results/x.csv", i, first, true),
                    List.of(c.job(), c.resultsKey(), c.chunk(), c.first(), c.smtp()), "numbered and placed in order");
            first += c.records().size();
            int bytes = c.toJson().getBytes(StandardCharsets.UTF_8).length;
            assertTrue(bytes < SQS_MAX_BYTES, () -> "chunk " + c.chunk() + " takes " + bytes + " bytes");
        }
    }

    /** "100000 x" is 100,000 times "x"; "\t" a tab; anything else as written. */
    private static String value(String record) {
        String[] parts = record.split(" ", 2);
        if (parts.length == 1 || !parts[0].matches("\\d+")) {
            return record;
        }
        String unit = parts[1].equals("\\t") ? "\t" : parts[1];
        return unit.repeat(Integer.parseInt(parts[0]));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # text                     | bytes at most in JSON
            a                          | 1
            é                          | 2
            €                          | 3
            😀                         | 4
            \\                         | 2
            a"b                        | 4
            """)
    void theMostAStringTakesInJson(String text, int bytes) {
        assertEquals(bytes, ListSplitter.jsonBytes(text));
    }

    @org.junit.jupiter.api.Test
    void controlCharactersAndNothing() {
        assertEquals(Arrays.asList(6, 12, 0), Arrays.asList(ListSplitter.jsonBytes("\n"), ListSplitter.jsonBytes("\u0000\u001f"),
                ListSplitter.jsonBytes(null)));
    }
}
