package dev.mailcheck.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.store.JobResults;
import dev.mailcheck.verdict.CheckResult;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A run of records of a split list, already read from the list (so a worker needs neither the list nor its
 * format) and numbered from {@code first}, so that a chunk processed twice stores its results at the same
 * positions again. In Lambda it is one SQS message, as JSON.
 *
 * @param resultsKey the results file that the last chunk done assembles (from the chunks' parts, where the
 *                   workflow's {@link JobFiles} keeps them); null for a job without one
 * @param smtp       whether the chunk's addresses are probed over SMTP (left out of the JSON when not)
 * @param smtpData   whether that probe goes on to DATA and its 354 (left out when not; a flag of its own beside
 *                   {@code smtp}, so that chunks queued before it existed read as they were meant)
 */
public record Chunk(String job, String resultsKey, int chunk, long first,
                    List<InputRecords.Input> records, @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean smtp,
                    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean smtpData) {

    public Chunk(String job, String resultsKey, int chunk, long first, List<InputRecords.Input> records,
                 SmtpDepth depth) {
        this(job, resultsKey, chunk, first, records, depth.smtp(), depth.data());
    }

    /** How far the chunk's addresses are probed. */
    public SmtpDepth depth() {
        return SmtpDepth.of(smtp, smtpData);
    }

    /**
     * The chunk's records answered as not checked at their positions, {@code why} saying what became of the chunk.
     * Built from the raw records alone: parsing or checking them again may be what failed.
     */
    public List<JobResults.Positioned> notChecked(String why) {
        String rowWhy = "its chunk of the job (chunk " + chunk + ", records " + (first + 1) + " to "
                + (first + records.size()) + ") " + why;
        List<JobResults.Positioned> rows = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            rows.add(new JobResults.Positioned(first + i, CheckResult.notChecked(records.get(i).value(), rowWhy)));
        }
        return rows;
    }

    private static final ObjectMapper JSON = JsonMapper.builder()
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false).build();

    public static Chunk fromJson(String json) {
        try {
            return JSON.readValue(json, Chunk.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a chunk message: " + e.getOriginalMessage(), e);
        }
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
