package dev.mailcheck.aws;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.mailcheck.lists.InputRecords;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * One SQS message: a run of records of a split list, already read from the upload (so a worker needs
 * neither the object nor its format) and numbered from {@code first}, so that a chunk processed twice
 * stores its results at the same positions again.
 *
 * @param bucket     the uploads bucket, where the chunk's part of the results file goes
 * @param resultsKey the results file that the last chunk done assembles
 */
record Chunk(String job, String bucket, String resultsKey, int chunk, long first, List<InputRecords.Input> records) {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false).build();

    static Chunk fromJson(String json) {
        try {
            return JSON.readValue(json, Chunk.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a chunk message: " + e.getOriginalMessage(), e);
        }
    }

    String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where this chunk's rows of the results file wait for the last chunk. */
    String partKey() {
        return partKey(job, chunk);
    }

    static String partKey(String job, int chunk) {
        return UploadProcessor.WORK + job + "/" + String.format("%06d.csv", chunk);
    }
}
