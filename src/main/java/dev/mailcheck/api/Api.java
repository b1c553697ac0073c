package dev.mailcheck.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailcheck.LogPrivacy;
import dev.mailcheck.Verdict;
import dev.mailcheck.codes.CodeEntry;
import dev.mailcheck.codes.Language;
import dev.mailcheck.codes.ReplyCodes;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.TransportSecurityLookup;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.smtp.Pacing;
import dev.mailcheck.smtp.SmtpProber;
import dev.mailcheck.smtp.SmtpSettings;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.store.Tally;
import dev.mailcheck.verdict.CheckResult;
import dev.mailcheck.verdict.ResultJson;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP API, independent of what carries it: API Gateway (payload v2) in Lambda, Vert.x in
 * {@code checker serve}. Every answer is JSON, except the signup-form widget and its demo page
 * ({@link WebFiles}); every error says which field is wrong.
 */
public final class Api {

    /** @param headers lower-case names */
    public record Request(String method, String path, Map<String, String> query, Map<String, String> headers,
                          String body) {
    }

    /** @param binary when not null, sent instead of {@code body} (a compressed file) */
    public record Response(int status, Map<String, String> headers, String body, byte[] binary) {

        public Response(int status, Map<String, String> headers, String body) {
            this(status, headers, body, null);
        }

        /** What goes on the wire. */
        public byte[] bytes() {
            return binary != null ? binary : body.getBytes(StandardCharsets.UTF_8);
        }
    }

    public static final int MAX_ADDRESSES = 1_000;
    /** 1,000 addresses of the longest legal length, quoted, with room to spare. */
    public static final int MAX_BODY_BYTES = 512 * 1024;
    /** Under Lambda's 6 MB request payload, which holds the body and the rest of the event. */
    public static final int MAX_JOB_BODY_BYTES = 5 * 1024 * 1024;
    private static final int PAGE = 100;
    private static final Pattern JOB = Pattern.compile("/v1/jobs/([A-Za-z0-9-]{1,64})");
    private static final Pattern JOB_RESULTS = Pattern.compile("/v1/jobs/([A-Za-z0-9-]{1,64})/results");
    private static final Pattern JOB_RERUN = Pattern.compile("/v1/jobs/([A-Za-z0-9-]{1,64})/rerun");
    private static final Pattern SMTP_CODE = Pattern.compile("/v1/smtp-codes/([^/]+)");
    private static final ObjectMapper JSON = ResultJson.mapper(Api::smtpCodeLink);
    /** java.util.logging: the logging the Lambda runtime (Quarkus) and the CLI both route to their output. */
    private static final Logger LOG = Logger.getLogger(Api.class.getName());

    /** What a request with {@code smtp=true} may take in all: under API Gateway's 29 s integration timeout. */
    public static final Duration SMTP_BUDGET = Duration.ofSeconds(25);

    private final Checker dnsOnly;
    private final Checker withSmtp;
    private final ResultStore store;
    private final JobQueue jobs;
    private final List<String> corsOrigins;
    private final boolean publicSmtp;
    private final String openApi;

    /**
     * @param withSmtp    the checker for {@code smtp=true}, or null where probing is not enabled
     * @param jobs        where POST /v1/jobs sends lists, or null where it is not set up
     * @param corsOrigins origins browsers may call from; {@code *} for any
     */
    public Api(Checker dnsOnly, Checker withSmtp, ResultStore store, JobQueue jobs, List<String> corsOrigins) {
        this(dnsOnly, withSmtp, store, jobs, corsOrigins, false);
    }

    /**
     * @param publicSmtp whether /v1/check, the route any web page can make its visitors' browsers call, may
     *                   probe mailboxes ({@code smtp=true}); otherwise it answers whether a mailbox exists to
     *                   anyone, from this server's IP address
     */
    public Api(Checker dnsOnly, Checker withSmtp, ResultStore store, JobQueue jobs, List<String> corsOrigins,
               boolean publicSmtp) {
        this.publicSmtp = publicSmtp;
        this.dnsOnly = dnsOnly;
        this.withSmtp = withSmtp;
        this.store = store;
        this.jobs = jobs;
        this.corsOrigins = List.copyOf(corsOrigins);
        this.openApi = openApiDocument();
    }

    /**
     * The checker for {@code smtp=true}: every check ends within {@link #SMTP_BUDGET} (those left then are
     * unknowns that say so), stage timeouts scaled to fit ({@link SmtpSettings#within}); the breaker and
     * budgets of {@code pacing}.
     */
    public static Checker smtpChecker(MxResolver dns, SmtpSettings settings, Pacing pacing,
                                      TransportSecurityLookup security) {
        return new Checker(dns, new SmtpProber(settings.within(SMTP_BUDGET), pacing), security, SMTP_BUDGET);
    }

    public Response handle(Request r) {
        Response response;
        try {
            response = route(r);
        } catch (ApiError e) {
            response = error(e.status, e.getMessage(), e.field);
        } catch (RuntimeException | Error e) {
            if (e instanceof OutOfMemoryError oom) {
                throw oom; // the JVM is told to exit on it (the checker launcher), to be restarted whole
            }
            response = internalError(r, e);
        }
        if (r.path().startsWith("/v1/check")) {
            // An answer about one person's address, for that caller alone: no shared cache keeps it.
            response = new Response(response.status(), merged(response.headers(), "cache-control", "no-store"),
                    response.body(), response.binary());
        }
        return withCors(r, response);
    }

    /**
     * The answer to a client over its limit ({@code serve --client-rate}): 429 with {@code Retry-After}, and the
     * CORS headers, so that a page's script sees the 429 rather than what looks like a CORS refusal.
     */
    public Response tooManyRequests(Request r, Duration retryAfter) {
        Response busy = error(429, "too many checks from this client; try again later",
                null);
        Map<String, String> headers = merged(busy.headers(), "retry-after", Long.toString(Math.max(1,
                (retryAfter.toMillis() + 999) / 1000)));
        headers.put("cache-control", "no-store");
        return withCors(r, new Response(429, headers, busy.body()));
    }

    /**
     * A bug or a failing dependency (the store, the resolver): a 500 whose id is in the log line with the
     * exception, so a report of it can be found there.
     */
    private static Response internalError(Request r, Throwable e) {
        String id = UUID.randomUUID().toString();
        StringBuilder log = new StringBuilder("error ").append(id).append(" answering ").append(r.method()).append(' ')
                .append(r.path()).append(": ");
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            log.append(t == e ? "" : "\ncaused by: ").append(t);
            for (StackTraceElement frame : t.getStackTrace()) {
                log.append("\n\tat ").append(frame);
            }
        }
        // The exception's message may quote an address; the frames cannot.
        LOG.log(Level.SEVERE, LogPrivacy.text(log.toString()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "internal error; the server's log has the details under this error_id");
        body.put("error_id", id);
        return json(500, body);
    }

    private Response route(Request r) {
        String path = r.path().length() > 1 && r.path().endsWith("/") ? r.path().substring(0, r.path().length() - 1) : r.path();
        if (r.method().equals("OPTIONS")) {
            return new Response(204, Map.of(), "");
        }
        Matcher job = JOB.matcher(path);
        Matcher results = JOB_RESULTS.matcher(path);
        Matcher rerun = JOB_RERUN.matcher(path);
        Matcher smtpCode = SMTP_CODE.matcher(path);
        return switch (path) {
            case "/v1/check" -> r.method().equals("POST") ? check(r, posted(r)) : only(r, "GET", () -> check(r, r.query()));
            case "/v1/checks" -> only(r, "POST", () -> checks(r));
            case "/v1/jobs" -> only(r, "POST", () -> submit(r));
            case "/v1/openapi.json" -> only(r, "GET", () -> new Response(200, Map.of("content-type", "application/json"), openApi));
            case "/widget.js", "/demo" -> only(r, "GET", () -> WebFiles.get(path, r.query(), r.headers()));
            default -> {
                if (results.matches()) {
                    yield only(r, "GET", () -> results(results.group(1), r.query().get("cursor")));
                }
                if (rerun.matches()) {
                    yield only(r, "POST", () -> rerun(rerun.group(1)));
                }
                if (job.matches()) {
                    yield r.method().equals("DELETE") ? delete(job.group(1)) : only(r, "GET", () -> job(job.group(1)));
                }
                if (smtpCode.matches()) {
                    yield only(r, "GET", () -> smtpCode(smtpCode.group(1), r.headers().get("accept-language")));
                }
                throw new ApiError(404, "no such resource: " + r.method() + " " + r.path(), null);
            }
        };
    }

    /** The longest POST /v1/check body: an address of the longest legal length, form-encoded, with room to spare. */
    static final int MAX_CHECK_BODY_BYTES = 4 * 1024;

    /**
     * GET /v1/check?address=...&smtp=true&security=true, or POST /v1/check with the address in the body: the
     * signup-form call. {@code smtp=true} only where the public probe is allowed ({@code publicSmtp}).
     */
    private Response check(Request r, Map<String, String> fields) {
        String address = fields.get("address");
        if (address == null) {
            throw new ApiError(400, "give the address to check as ?address= (or POST it as the body)", "address");
        }
        boolean smtp = flag("smtp", fields.get("smtp"));
        if (smtp && withSmtp != null && !publicSmtp) {
            throw new ApiError(403, "smtp=true is refused on /v1/check, which any web page can call: it would tell"
                    + " anyone whether a mailbox exists (allow it with serve --public-smtp or the stack's PublicSmtp;"
                    + " POST /v1/checks and jobs probe)", "smtp");
        }
        CheckResult result = checker(smtp, flag("security", fields.get("security"))).check(address).join();
        return json(200, result);
    }

    /**
     * POST /v1/check's fields, in one of the bodies a browser sends without a CORS preflight: {@code text/plain}
     * (the address itself) or {@code application/x-www-form-urlencoded} ({@code address=...&smtp=...}); or
     * {@code {"address": ...}} as JSON. Flags not in the body come from the query.
     */
    private static Map<String, String> posted(Request r) {
        String body = r.body() == null ? "" : r.body();
        checkSize(new Request(r.method(), r.path(), r.query(), r.headers(), body), MAX_CHECK_BODY_BYTES,
                "POST /v1/checks");
        String type = r.headers().getOrDefault("content-type", "text/plain").split(";")[0].strip().toLowerCase(Locale.ROOT);
        Map<String, String> fields = new LinkedHashMap<>(r.query());
        switch (type) {
            case "text/plain" -> fields.put("address", body.strip());
            case "application/x-www-form-urlencoded" -> {
                for (String pair : body.strip().split("&")) {
                    int eq = pair.indexOf('=');
                    try {
                        fields.put(java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                                eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                    } catch (IllegalArgumentException e) {
                        throw new ApiError(400, "the body is not valid form encoding", "body");
                    }
                }
            }
            case "application/json" -> {
                JsonNode json = jsonBody(r, MAX_CHECK_BODY_BYTES, "POST /v1/checks", "{\"address\": \"...\"}");
                json.properties().forEach(f -> fields.put(f.getKey(), f.getValue().isValueNode() ? f.getValue().asText() : null));
            }
            default -> throw new ApiError(415, "send the address as text/plain or application/x-www-form-urlencoded"
                    + " (address=...), or {\"address\": ...} as application/json, not " + type, "content-type");
        }
        if (fields.get("address") == null || fields.get("address").isEmpty()) {
            throw new ApiError(400, "the body must be the address to check", "address");
        }
        return fields;
    }

    /** POST /v1/checks {"addresses": [...], "smtp": false, "security": false}: up to 1,000, stored as a job. */
    private Response checks(Request r) {
        JsonNode body = jsonBody(r, MAX_BODY_BYTES, "POST /v1/jobs or S3", "{\"addresses\": [...]}");
        if (!body.path("addresses").isArray()) {
            throw new ApiError(400, "\"addresses\" must be an array of strings", "addresses");
        }
        JsonNode list = body.get("addresses");
        if (list.size() > MAX_ADDRESSES) {
            throw new ApiError(400, list.size() + " addresses; at most " + MAX_ADDRESSES + " per call (upload larger"
                    + " lists to S3)", "addresses");
        }
        List<String> addresses = new ArrayList<>(list.size());
        for (JsonNode a : list) {
            if (!a.isTextual()) {
                throw new ApiError(400, "every address must be a string, not " + a, "addresses");
            }
            addresses.add(a.asText());
        }
        Checker checker = checker(bodyFlag(body, "smtp"), bodyFlag(body, "security"));
        List<CompletableFuture<CheckResult>> futures = addresses.stream().map(checker::check).toList();
        List<CheckResult> done = futures.stream().map(CompletableFuture::join).toList();

        String id = "api-" + UUID.randomUUID();
        Instant now = Instant.now();
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        List<ResultStore.Positioned> positioned = new ArrayList<>();
        for (int i = 0; i < done.size(); i++) {
            counts.merge(done.get(i).verdict(), 1L, Long::sum);
            positioned.add(new ResultStore.Positioned(i, done.get(i)));
        }
        store.putResults(id, positioned);
        store.putJob(new Job(id, "POST /v1/checks", JobStatus.DONE, done.size(), counts, now, Instant.now(), null, 0));
        ObjectNode out = JSON.createObjectNode();
        out.put("job_id", id);
        out.set("results", JSON.valueToTree(done));
        return json(200, out);
    }

    /**
     * POST /v1/jobs: a list in the body ({@code text/plain}: a line per address, {@code text/csv}: the column
     * {@code ?column=} names, or the one named like an address column) or {@code {"s3_key": "...", "column": "..."}};
     * 202 with the job, checked after the response.
     */
    private Response submit(Request r) {
        try {
            return submitted(r);
        } catch (JobQueue.Busy e) {
            Response busy = error(429, e.getMessage(), null);
            return new Response(429, merged(busy.headers(), "retry-after", Long.toString(e.retryAfter().toSeconds())),
                    busy.body());
        }
    }

    private Response submitted(Request r) {
        if (jobs == null) {
            throw new ApiError(501, "jobs are not set up here (UPLOAD_BUCKET is not set)", null);
        }
        String type = r.headers().getOrDefault("content-type", "text/plain").split(";")[0].strip().toLowerCase(Locale.ROOT);
        // ?smtp= applies to a list sent and a list named alike.
        boolean smtp = flag("smtp", r.query().get("smtp"));
        String refused = jobs.smtpRefused(smtp);
        if (refused != null) {
            throw new ApiError(400, refused, "smtp");
        }
        Job job = switch (type) {
            case "application/json" -> {
                JsonNode body = jsonBody(r, MAX_BODY_BYTES, "S3", "{\"s3_key\": \"uploads/list.csv\"}");
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
                    yield jobs.submitObject(key.asText(), column(column == null || column.isNull() ? null : column.asText()));
                } catch (IllegalArgumentException e) {
                    throw new ApiError(400, e.getMessage(), "s3_key");
                }
            }
            case "text/plain", "text/csv" -> {
                if (r.body() == null || r.body().isBlank()) {
                    throw new ApiError(400, "the body must be the list: one address per line, or CSV with an address"
                            + " column", "body");
                }
                checkSize(r, MAX_JOB_BODY_BYTES, "S3");
                try {
                    yield jobs.submit(r.body(), type.equals("text/csv"), column(r.query().get("column")), smtp);
                } catch (IllegalArgumentException e) {
                    throw new ApiError(400, e.getMessage(), "smtp");
                }
            }
            default -> throw new ApiError(415, "send the list as text/plain or text/csv, or {\"s3_key\": ...} as"
                    + " application/json, not " + type, "content-type");
        };
        return accepted(job);
    }

    /** 202 with the job and where to follow it. */
    private Response accepted(Job job) {
        Response accepted = jobJson(202, job);
        Map<String, String> headers = new LinkedHashMap<>(accepted.headers());
        headers.put("location", "/v1/jobs/" + job.id());
        return new Response(202, headers, accepted.body());
    }

    /**
     * POST /v1/jobs/{id}/rerun: the job's list checked again, as a new job (202, like POST /v1/jobs). Uploading the
     * same bytes under the same key is the same job (its id comes from key and ETag), so this is how a list is
     * checked again, e.g. after its domains changed. 409 while the job runs, or when its list is no longer there.
     */
    private Response rerun(String id) {
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

    /** The longest column name taken: S3 keeps at most 2 KB of an object's metadata. */
    static final int MAX_COLUMN_CHARS = 200;

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

    private Response job(String id) {
        return jobJson(200, found(id));
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
    private Response delete(String id) {
        Job job = found(id);
        if (!job.finished()) {
            throw new ApiError(409, "job " + id + " is " + job.status() + "; erase it once it has ended", "id");
        }
        if (job.status() != JobStatus.ERASING) {
            job = job.with(JobStatus.ERASING, new Tally(job.total(), job.counts()), job.chunks());
            store.putJob(job);
        }
        if (jobs != null && !jobs.erase(job)) {
            return jobJson(202, job);
        }
        store.deleteJob(id);
        return new Response(204, Map.of(), "");
    }

    /** A job as the API shows it; a split list still running counts the chunks done so far. */
    private Response jobJson(int status, Job job) {
        Tally tally = new Tally(job.total(), job.counts());
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
        return json(status, out);
    }

    private static JsonNode jsonBody(Request r, int maxBytes, String largerTo, String shape) {
        if (r.body() == null || r.body().isBlank()) {
            throw new ApiError(400, "the body must be JSON: " + shape, "body");
        }
        checkSize(r, maxBytes, largerTo);
        JsonNode body;
        try {
            body = JSON.readTree(r.body());
        } catch (JsonProcessingException e) {
            throw new ApiError(400, "the body is not valid JSON: " + e.getOriginalMessage(), "body");
        }
        if (body == null || !body.isObject()) {
            throw new ApiError(400, "the body must be a JSON object: " + shape, "body");
        }
        return body;
    }

    private static void checkSize(Request r, int maxBytes, String largerTo) {
        if (r.body().length() > maxBytes / 3 && r.body().getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            throw new ApiError(413, "the body is larger than " + maxBytes + " bytes; send larger lists to " + largerTo,
                    "body");
        }
    }

    private Response results(String id, String cursor) {
        found(id);
        if (cursor != null && !cursor.matches("\\d{1,12}")) {
            throw new ApiError(400, "cursor must be the next_cursor of the previous page", "cursor");
        }
        ResultStore.Page page = store.results(id, cursor, PAGE);
        ObjectNode out = JSON.createObjectNode();
        ArrayNode items = out.putArray("results");
        for (String result : page.results()) {
            try {
                items.add(JSON.readTree(result));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
        out.put("next_cursor", page.nextCursor());
        return json(200, out);
    }

    /**
     * Where GET /v1/smtp-codes/{code} explains a reply's code, null for a code the reference lacks: every
     * written result's {@code predicted_reply.reference}, handed to whatever writes results (ResultJson).
     */
    public static String smtpCodeLink(int code) {
        return ReplyCodes.bundled().has(code) ? "/v1/smtp-codes/" + code : null;
    }

    /** GET /v1/smtp-codes/{code}: what a reply code means and what to do, in English or (Accept-Language) Arabic. */
    private static Response smtpCode(String code, String acceptLanguage) {
        Language language = Language.fromAcceptLanguage(acceptLanguage);
        ReplyCodes reference = ReplyCodes.bundled();
        Optional<CodeEntry> entry = code.matches("\\d{3}") ? reference.entry(Integer.parseInt(code), language)
                : Optional.empty();
        Response r = json(200, entry.orElseThrow(() -> new ApiError(404, "no SMTP reply code " + code
                + " in the reference; it explains " + reference.codes(), "code")));
        // Caches keep one answer per language.
        Map<String, String> headers = merged(r.headers(), "vary", "Accept-Language");
        headers.put("content-language", language.tag());
        return new Response(r.status(), headers, r.body());
    }

    private Checker checker(boolean smtp, boolean security) {
        if (smtp && withSmtp == null) {
            throw new ApiError(400, "SMTP probing is not enabled on this deployment", "smtp");
        }
        Checker checker = smtp ? withSmtp : dnsOnly;
        if (!security) {
            return checker;
        }
        Checker reporting = checker.withSecurity();
        if (reporting == null) {
            throw new ApiError(400, "the security report is not enabled on this deployment", "security");
        }
        return reporting;
    }

    private static boolean flag(String name, String value) {
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw new ApiError(400, name + " must be true or false, not " + value, name);
    }

    private static boolean bodyFlag(JsonNode body, String name) {
        JsonNode value = body.get(name);
        if (value != null && !value.isBoolean()) {
            throw new ApiError(400, "\"" + name + "\" must be true or false", name);
        }
        return value != null && value.asBoolean();
    }

    private static Response only(Request r, String method, java.util.function.Supplier<Response> handler) {
        if (!r.method().equals(method)) {
            throw new ApiError(405, r.path() + " takes " + method + ", not " + r.method(), null);
        }
        return handler.get();
    }

    private Response withCors(Request r, Response response) {
        String origin = r.headers().get("origin");
        if (origin == null || !(corsOrigins.contains("*") || corsOrigins.contains(origin))) {
            return response;
        }
        Map<String, String> headers = merged(response.headers(), "vary", "Origin");
        headers.put("access-control-allow-origin", corsOrigins.contains("*") ? "*" : origin);
        if (r.method().equals("OPTIONS")) {
            headers.put("access-control-allow-methods", "GET, POST, DELETE, OPTIONS");
            headers.put("access-control-allow-headers", "content-type");
            headers.put("access-control-max-age", "600");
        }
        return new Response(response.status(), headers, response.body(), response.binary());
    }

    /** The headers with one more value of a list header such as {@code vary}; a copy that can take more. */
    static Map<String, String> merged(Map<String, String> headers, String name, String value) {
        Map<String, String> out = new LinkedHashMap<>(headers);
        out.merge(name, value, (a, b) -> a + ", " + b);
        return out;
    }

    /** The JSON of an error the server answers itself, before the API sees the request. */
    public static String errorBody(String message) {
        return error(400, message, null).body();
    }

    private static Response json(int status, Object body) {
        try {
            return new Response(status, Map.of("content-type", "application/json"), JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Response error(int status, String message, String field) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        if (field != null) {
            body.put("field", field);
        }
        return json(status, body);
    }

    private static String openApiDocument() {
        return WebFiles.resource("/openapi.json");
    }

    private static final class ApiError extends RuntimeException {
        final int status;
        final String field;

        ApiError(int status, String message, String field) {
            super(message, null, false, false);
            this.status = status;
            this.field = field;
        }
    }
}
