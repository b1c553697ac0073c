package dev.mailcheck.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.Verdict;
import dev.mailcheck.api.Api;
import dev.mailcheck.jobs.JobEvents;
import dev.mailcheck.store.Job;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;

/**
 * Announces the end of a job (done, partial, failed) on EventBridge, so that users can route it
 * wherever they like with a rule on {@code source: mailcheck, detail-type: Job Finished}. Announced
 * before the job is stored as ended, so a failure here retries the step that ends it: at least once,
 * and consumers tell repeats apart by the job id.
 */
final class EventBridgeEvents implements JobEvents {

    static final String SOURCE = "mailcheck";
    static final String DETAIL_TYPE = "Job Finished";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventBridgeClient events;
    private final String bus;
    private final String bucket;

    /**
     * @param bus    the event bus name or ARN
     * @param bucket the uploads bucket, which every event names (rules match this stack's jobs by it)
     */
    EventBridgeEvents(EventBridgeClient events, String bus, String bucket) {
        this.events = events;
        this.bus = bus;
        this.bucket = bucket;
    }

    @Override
    public void finished(Job job) {
        PutEventsResponse response = events.putEvents(b -> b.entries(e -> e.eventBusName(bus).source(SOURCE)
                .detailType(DETAIL_TYPE).detail(detail(job, bucket))));
        if (response.failedEntryCount() > 0) {
            throw new IllegalStateException("EventBridge did not take the end of job " + job.id() + ": "
                    + response.entries().getFirst().errorCode() + " " + response.entries().getFirst().errorMessage());
        }
    }

    static String detail(Job job, String bucket) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("id", job.id());
        d.put("status", job.status().code());
        d.put("source", job.source());
        d.put("bucket", bucket);
        d.put("total", job.total());
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Verdict v : Verdict.values()) {
            counts.put(v.code(), job.counts().getOrDefault(v, 0L));
        }
        d.put("counts", counts);
        d.put("held_back", Api.heldBack(job.heldBack()));
        d.put("not_checked", job.notChecked());
        d.put("error", job.error());
        d.put("results_key", job.resultsKey());
        try {
            return JSON.writeValueAsString(d);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
