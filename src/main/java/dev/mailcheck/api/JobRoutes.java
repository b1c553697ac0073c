package dev.mailcheck.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailcheck.Verdict;
import dev.mailcheck.api.Api.Request;
import dev.mailcheck.api.Api.Response;
import dev.mailcheck.jobs.SmtpDepth;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobResults;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.store.Tally;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;

/** The job routes: a list sent or named ({@code POST /v1/jobs}), a job shown or erased, its results page by page. */
final class JobRoutes {

    /** The longest column name taken: S3 keeps at most 2 KB of an object's metadata. */
    static final int MAX_COLUMN_CHARS = 200;
    private static final int PAGE = 100;

    private final ResultStore store;
    private final JobQueue jobs;

    /** @param jobs where POST /v1/jobs sends lists, or null where it is not set up */
    JobRoutes(ResultStore store, JobQueue jobs) {
        this.store = store;
        this.jobs = jobs;
    }

    /**
     * POST /v1/jobs: a list in the body ({@code text/plain}: a line per address, {@code text/csv}: the column
     * {@code ?column=} names, or the one named like an address column) or {@code {"s3_key": "...", "column": "..."}};
     * {@code ?smtp=true} probes each mailbox up to RCPT, {@code ?smtp_data=true} on to DATA's 354 (never further);
     * 202 with the job, checked after the response.
     */
    Response submit(Request r) {
        try {
            return submitted(r);
        } catch (JobQueue.Busy e) {
            throw new ApiError(429, e.getMessage(), null, e.retryAfter());
        }
    }

    private Response submitted(Request r) {
        if (jobs == null) {
            throw new ApiError(501, "jobs are not set up here (UPLOAD_BUCKET is not set)", null);
        }
        String type = r.headers().getOrDefault("content-type", "text/plain").split(";")[0].strip().toLowerCase(Locale.ROOT);
        // ?smtp= and ?smtp_data= apply to a list sent and a list named alike; smtp_data=true implies smtp=true.
        SmtpDepth smtp = Json.smtpDepth(r.query());
        String field = smtp.data() ? "smtp_data" : "smtp";
        String refused = jobs.smtpRefused(smtp);
        if (refused != null) {
            throw new ApiError(400, refused, field);
        }
        Job job = switch (type) {
            case "application/json" -> {
                JsonNode body = Json.body(r, Api.MAX_BODY_BYTES, "S3", "{\"s3_key\": \"uploads/list.csv\"}");
                JsonNode key = body.get("s3_key");
                if (key == null || !key.isTextual() || key.asText().isBlank()) {
                    throw new ApiError(400, "\"s3_key\" must name an object in the uploads bucket (or send the list"
                            + " itself as text/plain or text/csv)", "s3_key");
                }
                JsonNode column = body.get("column");
                if (column != null && !column.isNull() && !column.isTextual()) {
                    throw new ApiError(400, "\"column\" must be the name of the CSV column of the addresses", "column");
                }
                try {
                    yield jobs.submitObject(key.asText(), column(column == null || column.isNull() ? null : column.asText()),
                            smtp);
                } catch (IllegalArgumentException e) {
                    throw new ApiError(400, e.getMessage(), "s3_key");
                }
            }
            case "text/plain", "text/csv" -> {
                if (r.body() == null || r.body().isBlank()) {
                    throw new ApiError(400, "the body must be the list: one address per line, or CSV with an address"
                            + " column", "body");
                }
                Json.checkSize(r, Api.MAX_JOB_BODY_BYTES, "S3");
                try {
                    yield jobs.submit(r.body(), type.equals("text/csv"), column(r.query().get("column")), smtp);
                } catch (IllegalArgumentException e) {
                    throw new ApiError(400, e.getMessage(), field);
                }
            }
            default -> throw new ApiError(415, "send the list as text/plain or text/csv, or {\"s3_key\": ...} as"
                    + " application/json, not " + type, "content-type");
        };
        return accepted(job);
    }

    /** 202 with the job and where to follow it. */
    private Response accepted(Job job) {
        Response accepted = shown(202, job);
        Map<String, String> headers = new LinkedHashMap<>(accepted.headers());
        headers.put("location", "/v1/jobs/" + job.id());
        return new Response(202, headers, accepted.body());
    }

    /**
     * POST /v1/jobs/{id}/rerun: the job's list checked again, as a new job (202, like POST /v1/jobs). Uploading the
     * same bytes under the same key is the same job (its id comes from key and ETag), so this is how a list is
     * checked again, e.g. after its domains changed. 409 while the job runs, or when its list is no longer there.
     */
    Response rerun(String id) {
        if (jobs == null) {
            throw new ApiError(501, "jobs are not set up here (UPLOAD_BUCKET is not set)", null);
        }
        Job job = found(id);
        if (!job.finished() || job.status() == JobStatus.ERASING) {
            throw new ApiError(409, "job " + id + " is " + job.status() + "; check it again once it has ended", "id");
        }
        try {
            return accepted(jobs.rerun(job));
        } catch (IllegalStateException e) {
            throw new ApiError(409, e.getMessage(), "id");
        }
    }

    /** A column named by the caller (null: none, detect it), checked to be a usable header name. */
    private static String column(String name) {
        if (name == null) {
            return null;
        }
        if (name.isBlank() || name.length() > MAX_COLUMN_CHARS || name.chars().anyMatch(Character::isISOControl)) {
            throw new ApiError(400, "\"column\" must name the CSV column of the addresses: its header, up to "
                    + MAX_COLUMN_CHARS + " characters (leave it out to take the column named like an address column)",
                    "column");
        }
        return name.strip();
    }

    /** GET /v1/jobs/{id}. */
    Response job(String id) {
        return shown(200, found(id));
    }

    /** The job; 410 with when and why for one removed (its tombstone), 404 for an id never seen. */
    private Job found(String id) {
        return store.job(id).orElseThrow(() -> store.gone(id)
                .map(g -> new ApiError(410, "job " + id + " was removed at " + g.when() + ": " + g.why(), "id"))
                .orElseGet(() -> new ApiError(404, "no job " + id, "id")));
    }

    /**
     * DELETE /v1/jobs/{id}: erases the job, its results and (in Lambda) its files. A job still running is
     * refused: its workers would write again what was erased. The job is marked {@code erasing} first and its
     * record goes last, so a DELETE cut short is carried on by the next; 202 (the job, with {@code erased}) while
     * the erasure carries on in the background, 204 once nothing is left.
     */
    Response delete(String id) {
        Job job = found(id);
        if (!job.finished()) {
            throw new ApiError(409, "job " + id + " is " + job.status() + "; erase it once it has ended", "id");
        }
        if (job.status() != JobStatus.ERASING) {
            job = job.with(JobStatus.ERASING, new Tally(job.total(), job.counts(), job.heldBack()), job.chunks());
            store.putJob(job);
        }
        if (jobs != null && !jobs.erase(job)) {
            return shown(202, job);
        }
        store.deleteJob(id);
        return new Response(204, Map.of(), "");
    }

    /** A job as the API shows it; a split list still running counts the chunks done so far. */
    private Response shown(int status, Job job) {
        Tally tally = new Tally(job.total(), job.counts(), job.heldBack());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", job.id());
        out.put("source", job.source());
        out.put("status", job.status().code());
        if (job.chunks() > 0) {
            SortedMap<Integer, Tally> chunks = store.chunks(job.id());
            out.put("chunks", job.chunks());
            out.put("chunks_done", chunks.size());
            if (!job.finished()) {
                tally = Tally.sum(chunks.values());
            }
        }
        out.put("total", tally.total());
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Verdict v : Verdict.values()) {
            counts.put(v.code(), tally.counts().getOrDefault(v, 0L));
        }
        out.put("counts", counts);
        out.put("held_back", Api.heldBack(tally.heldBack()));
        out.put("rechecking", job.finished() || jobs == null ? 0 : jobs.rechecking(job.id()));
        if (job.status() == JobStatus.ERASING) {
            out.put("erased", store.erased(job.id())); // of total: the erasure's progress
        }
        if (job.status() != JobStatus.DONE && job.finished()) {
            out.put("not_checked", job.notChecked());
            out.put("error", job.error());
        }
        out.put("created", job.created().toString());
        out.put("updated", job.updated().toString());
        out.put("results_key", job.resultsKey());
        out.put("results", "/v1/jobs/" + job.id() + "/results");
        return Json.of(status, out);
    }

    /** GET /v1/jobs/{id}/results?cursor=: a page of the job's results, in input order. */
    Response results(String id, String cursor) {
        found(id);
        if (cursor != null && !cursor.matches("\\d{1,12}")) {
            throw new ApiError(400, "cursor must be the next_cursor of the previous page", "cursor");
        }
        JobResults.Page page = store.results(id, cursor, PAGE);
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode items = out.putArray("results");
        for (String result : page.results()) {
            try {
                items.add(Json.MAPPER.readTree(result));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
        out.put("next_cursor", page.nextCursor());
        return Json.of(200, out);
    }
}
