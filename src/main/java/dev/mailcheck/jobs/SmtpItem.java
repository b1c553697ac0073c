package dev.mailcheck.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The SMTP work of one domain in one chunk of a job: the records that passed the DNS stage, each with its
 * position in the job's input, so that its answer lands in its place. In Lambda it is one message on the SMTP
 * queue (FIFO, its group the provider's), or on the recheck queue while it waits.
 *
 * @param resultsKey the job's results file, null for a job without one
 * @param chunk      the chunk the records came from; its pending count goes down as they settle
 * @param group      the provider group of the domain's mail hosts: who shares a reputation and a budget
 * @param tries      which try of these addresses this item makes (1 for the first; more for a recheck)
 * @param started    when the first try of these addresses began (epoch ms; 0 before it): rechecks start within the
 *                   window from it
 * @param due        when a recheck may start (epoch ms); 0 for an item that may run at once
 * @param data       whether the probe goes on to DATA and stops at its 354 ({@code smtp_data=true}), else at RCPT
 * @param entries    the records, in input order
 */
public record SmtpItem(String job, String resultsKey, int chunk, String domain, String group,
                       int tries, long started,
                       @JsonInclude(JsonInclude.Include.NON_DEFAULT) long due,
                       @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean data, List<Entry> entries) {

    /** One record: its position in the job's input and the address as given. */
    public record Entry(long position, String input) {
    }

    private static final ObjectMapper JSON = JsonMapper.builder()
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false).build();

    public SmtpItem {
        entries = List.copyOf(entries);
    }

    /** The same work for only some of its records (those not reached, or those to be rechecked). */
    public SmtpItem with(List<Entry> only, int tries, long due) {
        return new SmtpItem(job, resultsKey, chunk, domain, group, tries, started, due, data, only);
    }

    /**
     * The queue's group for this item: its provider group and one of {@code slots} slots of it, chosen by the
     * domain, so that one group is probed by at most {@code slots} workers at once and a domain always takes the
     * same slot. SQS allows 128 characters; a longer group name is shortened to a hash of itself.
     */
    public String queueGroup(int slots) {
        String name = group.length() <= 100 ? group : digest(group).substring(0, 32);
        return name + "#" + Math.floorMod(domain.hashCode(), slots);
    }

    /** A deduplication id that is the same for the same item sent again (a chunk delivered twice) and differs otherwise. */
    public String dedupId(String salt) {
        return digest(toJson() + "|" + salt).substring(0, 64);
    }

    private static String digest(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static SmtpItem fromJson(String json) {
        try {
            return JSON.readValue(json, SmtpItem.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an SMTP work item: " + e.getOriginalMessage(), e);
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
