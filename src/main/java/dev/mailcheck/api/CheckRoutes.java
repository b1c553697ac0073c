package dev.mailcheck.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailcheck.Verdict;
import dev.mailcheck.api.Api.Request;
import dev.mailcheck.api.Api.Response;
import dev.mailcheck.jobs.SmtpDepth;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobLifecycle;
import dev.mailcheck.store.JobResults;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.verdict.CheckResult;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** The check routes: one address ({@code /v1/check}, the signup-form call) and up to 1,000 ({@code /v1/checks}). */
final class CheckRoutes {

    /** The longest POST /v1/check body: an address of the longest legal length, form-encoded, with room to spare. */
    static final int MAX_CHECK_BODY_BYTES = 4 * 1024;

    private final Checker dnsOnly;
    private final Checker withSmtp;
    /** {@code withSmtp} going on to DATA's 354 ({@code smtp_data=true}); null where probing is off. */
    private final Checker withData;
    /** POST /v1/checks stores its answers as a job: their results, then the job's record. */
    private final JobResults results;
    private final JobLifecycle jobs;
    private final boolean publicSmtp;

    /** As {@link Api}'s constructor says. */
    <S extends JobLifecycle & JobResults> CheckRoutes(Checker dnsOnly, Checker withSmtp, S store, boolean publicSmtp) {
        this.dnsOnly = dnsOnly;
        this.withSmtp = withSmtp;
        this.withData = withSmtp == null ? null : withSmtp.goingToData();
        this.results = store;
        this.jobs = store;
        this.publicSmtp = publicSmtp;
    }

    /** GET /v1/check?address=...&smtp=true&smtp_data=true&security=true. */
    Response get(Request r, Api.Caller caller) {
        return check(r.query(), caller);
    }

    /** POST /v1/check with the address in the body. */
    Response post(Request r, Api.Caller caller) {
        return check(posted(r), caller);
    }

    /** {@code smtp=true} only where the public probe is allowed ({@code publicSmtp}). */
    private Response check(Map<String, String> fields, Api.Caller caller) {
        String address = fields.get("address");
        if (address == null) {
            throw new ApiError(400, "give the address to check as ?address= (or POST it as the body)", "address");
        }
        SmtpDepth smtp = Json.smtpDepth(fields);
        if (smtp.smtp() && withSmtp != null && !publicSmtp) {
            String field = smtp.data() ? "smtp_data" : "smtp";
            throw new ApiError(403, field + "=true is refused on /v1/check, which any web page can call: it would tell"
                    + " anyone whether a mailbox exists (allow it with serve --public-smtp or the stack's PublicSmtp;"
                    + " POST /v1/checks and jobs probe)", field);
        }
        Checker checker = checker(smtp, Json.flag("security", fields.get("security")));
        charge(caller, 1);
        CheckResult result = checker.check(address, caller.gone()).join();
        return Json.of(200, result);
    }

    /**
     * POST /v1/check's fields, in one of the bodies a browser sends without a CORS preflight: {@code text/plain}
     * (the address itself) or {@code application/x-www-form-urlencoded} ({@code address=...&smtp=...}); or
     * {@code {"address": ...}} as JSON. Flags not in the body come from the query.
     */
    private static Map<String, String> posted(Request r) {
        String body = r.body() == null ? "" : r.body();
        Json.checkSize(new Request(r.method(), r.path(), r.query(), r.headers(), body), MAX_CHECK_BODY_BYTES,
                "POST /v1/checks");
        String type = r.headers().getOrDefault("content-type", "text/plain").split(";")[0].strip().toLowerCase(Locale.ROOT);
        Map<String, String> fields = new LinkedHashMap<>(r.query());
        switch (type) {
            case "text/plain" -> fields.put("address", body.strip());
            case "application/x-www-form-urlencoded" -> {
                for (String pair : body.strip().split("&")) {
                    int eq = pair.indexOf('=');
                    try {
                        fields.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                                eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                    } catch (IllegalArgumentException e) {
                        throw new ApiError(400, "the body is not valid form encoding", "body");
                    }
                }
            }
            case "application/json" -> {
                JsonNode json = Json.body(r, MAX_CHECK_BODY_BYTES, "POST /v1/checks", "{\"address\": \"...\"}");
                // Typed as POST /v1/checks reads its fields: null or 42 was checked as the text "null" or "42", and a
                // flag of "false" or [true] taken or dropped (found by a review).
                JsonNode address = json.get("address");
                if (address != null && !address.isTextual()) {
                    throw new ApiError(400, "\"address\" must be a string", "address");
                }
                if (address != null) {
                    fields.put("address", address.asText());
                }
                for (String flag : List.of("smtp", "smtp_data", "security")) {
                    if (json.has(flag)) {
                        fields.put(flag, String.valueOf(Json.flag(json, flag)));
                    }
                }
            }
            default -> throw new ApiError(415, "send the address as text/plain or application/x-www-form-urlencoded"
                    + " (address=...), or {\"address\": ...} as application/json, not " + type, "content-type");
        }
        if (fields.get("address") == null || fields.get("address").isEmpty()) {
            throw new ApiError(400, "the body must be the address to check", "address");
        }
        return fields;
    }

    /**
     * POST /v1/checks {"addresses": [...], "smtp": false, "smtp_data": false, "security": false}: up to 1,000,
     * stored as a job.
     */
    Response checks(Request r, Api.Caller caller) {
        JsonNode body = Json.body(r, Api.MAX_BODY_BYTES, "POST /v1/jobs or S3", "{\"addresses\": [...]}");
        if (!body.path("addresses").isArray()) {
            throw new ApiError(400, "\"addresses\" must be an array of strings", "addresses");
        }
        JsonNode list = body.get("addresses");
        if (list.size() > Api.MAX_ADDRESSES) {
            throw new ApiError(400, list.size() + " addresses; at most " + Api.MAX_ADDRESSES + " per call (upload larger"
                    + " lists to S3)", "addresses");
        }
        List<String> addresses = new ArrayList<>(list.size());
        for (JsonNode a : list) {
            if (!a.isTextual()) {
                throw new ApiError(400, "every address must be a string, not " + a, "addresses");
            }
            addresses.add(a.asText());
        }
        Checker checker = checker(Json.smtpDepth(body), Json.flag(body, "security"));
        charge(caller, addresses.size());
        List<CompletableFuture<CheckResult>> futures = addresses.stream().map(a -> checker.check(a, caller.gone()))
                .toList();
        List<CheckResult> done = futures.stream().map(CompletableFuture::join).toList();
        if (caller.gone() != null && caller.gone().toCompletableFuture().isDone()) {
            // Its probes were given up: results that say "not tried" are no job to keep, and nobody gets its id.
            throw new ApiError(499, "the client closed its connection before the answer", null);
        }

        String id = "api-" + UUID.randomUUID();
        Instant now = Instant.now();
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        List<JobResults.Positioned> positioned = new ArrayList<>();
        for (int i = 0; i < done.size(); i++) {
            counts.merge(done.get(i).verdict(), 1L, Long::sum);
            positioned.add(new JobResults.Positioned(i, done.get(i)));
        }
        results.putResults(id, positioned);
        jobs.putJob(new Job(id, "POST /v1/checks", JobStatus.DONE, done.size(), counts, now, Instant.now(), null, 0));
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("job_id", id);
        out.set("results", Json.MAPPER.valueToTree(done));
        return Json.of(200, out);
    }

    /** A request refused before it checks anything costs nothing; one that checks costs an address each. */
    private static void charge(Api.Caller caller, int addresses) {
        caller.take(addresses).ifPresent(wait -> {
            throw overRate(wait);
        });
    }

    /** A client over its limit ({@code serve --client-rate}). */
    static ApiError overRate(Duration retryAfter) {
        return new ApiError(429, "too many checks from this client (each address counts one); try again after Retry-After", null, retryAfter);
    }

    private Checker checker(SmtpDepth smtp, boolean security) {
        if (smtp.smtp() && withSmtp == null) {
            throw new ApiError(400, "SMTP probing is not enabled on this deployment (SmtpEnabled=true on the stack,"
                    + " --smtp on checker serve)", smtp.data() ? "smtp_data" : "smtp");
        }
        Checker checker = switch (smtp) {
            case NONE -> dnsOnly;
            case RCPT -> withSmtp;
            case DATA -> withData;
        };
        if (!security) {
            return checker;
        }
        Checker reporting = checker.withSecurity();
        if (reporting == null) {
            throw new ApiError(400, "the security report is not enabled on this deployment", "security");
        }
        return reporting;
    }
}
