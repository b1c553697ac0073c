package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.HeldBack;
import dev.mailcheck.Verdict;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The "Job Finished" event's detail, as docs/aws.md shows it: what the job held back per provider group included. */
class EventBridgeEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            nothing held back          | 0   | 0    | []
            breaker and budget at one  | 120 | 4000 | [{"group": "microsoft", "not_tried": 120, "waited": 4000}]
            """)
    void theEndEventSaysWhatTheJobHeldBack(String scenario, long notTried, long waited, String heldBack)
            throws Exception {
        Instant at = Instant.parse("2026-12-07T01:00:00Z");
        List<HeldBack> held = notTried + waited == 0 ? List.of() : List.of(new HeldBack("microsoft", notTried, waited));
        Job job = new Job("j1", "s3://b/uploads/list.csv", JobStatus.DONE, 5_000, Map.of(Verdict.UNKNOWN, 5_000L), at,
                at, "results/j1.csv", 3, 0L, null, held);
        String expected = """
                {"id": "j1", "status": "done", "source": "s3://b/uploads/list.csv", "bucket": "b", "total": 5000,
                 "counts": {"deliverable": 0, "undeliverable": 0, "risky": 0, "unknown": 5000},
                 "held_back": %s, "not_checked": 0, "error": null, "results_key": "results/j1.csv"}
                """.formatted(heldBack);
        assertEquals(JSON.readTree(expected), JSON.readTree(EventBridgeEvents.detail(job, "b")), scenario);
    }
}
