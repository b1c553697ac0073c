package dev.mailcheck.api;

import dev.mailcheck.Defects;
import dev.mailcheck.HeldBack;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.TransportSecurityLookup;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.smtp.Pacing;
import dev.mailcheck.smtp.SmtpProber;
import dev.mailcheck.smtp.SmtpSettings;
import dev.mailcheck.store.ResultStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP API, independent of what carries it: API Gateway (payload v2) in Lambda, Vert.x in
 * {@code checker serve}. Every answer is JSON, except the signup-form widget and its demo page
 * ({@link WebFiles}); every error says which field is wrong. Here: the route table, CORS and what a failure
 * answers; the routes themselves in {@link CheckRoutes}, {@link JobRoutes} and {@link SmtpCodes}, JSON in
 * {@link Json}.
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

    /** What a request with {@code smtp=true} may take in all: under API Gateway's 29 s integration timeout. */
    public static final Duration SMTP_BUDGET = Duration.ofSeconds(25);

    /** What the API knows of the caller beyond its request (in serve; in Lambda, API Gateway throttles instead). */
    public interface Caller {

        /** A caller without a limit, whose leaving is never told. */
        Caller ANY = new Caller() {
            @Override
            public Optional<Duration> take(long checks) {
                return Optional.empty();
            }

            @Override
            public CompletionStage<?> gone() {
                return null;
            }
        };

        /**
         * Takes {@code checks} addresses' worth from what it may ask ({@code serve --client-rate}): empty when they
         * may be checked, else how long until it may ask again.
         */
        Optional<Duration> take(long checks);

        /** Completes if the caller leaves (closes its connection) before its answer; null where nobody tells. */
        CompletionStage<?> gone();
    }

    /** What answers one method of a route; {@code path} has matched the route's pattern (its groups: the ids). */
    private interface Handler {
        Response answer(Request r, Matcher path, Caller caller);
    }

    /** One row of the route table: a path, and what answers each method (the first is the one a 405 names). */
    private record Route(Pattern path, Map<String, Handler> methods) {

        static Route of(String regex, String method, Handler handler) {
            return new Route(Pattern.compile(regex), Map.of(method, handler));
        }

        static Route of(String regex, String method, Handler handler, String other, Handler otherHandler) {
            Map<String, Handler> methods = new LinkedHashMap<>();
            methods.put(method, handler);
            methods.put(other, otherHandler);
            return new Route(Pattern.compile(regex), methods);
        }
    }

    private final List<Route> routes;
    private final List<String> corsOrigins;

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
        CheckRoutes checks = new CheckRoutes(dnsOnly, withSmtp, store, publicSmtp);
        JobRoutes jobRoutes = new JobRoutes(store, jobs);
        String openApi = WebFiles.resource("/openapi.json");
        this.routes = List.of(
                Route.of("/v1/check", "GET", (r, p, q) -> checks.get(r, q), "POST", (r, p, q) -> checks.post(r, q)),
                Route.of("/v1/checks", "POST", (r, p, q) -> checks.checks(r, q)),
                Route.of("/v1/jobs", "POST", (r, p, q) -> jobRoutes.submit(r)),
                Route.of("/v1/jobs/([A-Za-z0-9-]{1,64})/results", "GET",
                        (r, p, q) -> jobRoutes.results(p.group(1), r.query().get("cursor"))),
                Route.of("/v1/jobs/([A-Za-z0-9-]{1,64})/rerun", "POST", (r, p, q) -> jobRoutes.rerun(p.group(1))),
                Route.of("/v1/jobs/([A-Za-z0-9-]{1,64})", "GET", (r, p, q) -> jobRoutes.job(p.group(1)),
                        "DELETE", (r, p, q) -> jobRoutes.delete(p.group(1))),
                Route.of("/v1/smtp-codes/([^/]+)", "GET",
                        (r, p, q) -> SmtpCodes.get(p.group(1), r.headers().get("accept-language"))),
                Route.of("/v1/openapi\\.json", "GET",
                        (r, p, q) -> new Response(200, Map.of("content-type", "application/json"), openApi)),
                Route.of("/widget\\.js|/demo", "GET", (r, p, q) -> WebFiles.get(p.group(), r.query(), r.headers())));
        this.corsOrigins = List.copyOf(corsOrigins);
    }

    /**
     * The checker for {@code smtp=true}: every check ends within {@link #SMTP_BUDGET} (those left then are
     * unknowns that say so), stage timeouts scaled to fit ({@link SmtpSettings#within}); the breaker and
     * budgets of {@code pacing}.
     */
    public static Checker smtpChecker(MxResolver dns, SmtpSettings settings, Pacing pacing,
                                      TransportSecurityLookup security) {
        return new Checker(dns).withSmtp(new SmtpProber(settings.within(SMTP_BUDGET), pacing))
                .withSecurityLookup(security).withDeadline(SMTP_BUDGET);
    }

    public Response handle(Request r) {
        return handle(r, Caller.ANY);
    }

    /**
     * @param caller what the client may still ask for, charged per address once the request says how many, and
     *               whether it has left (the SMTP probes of its checks are then given up)
     */
    public Response handle(Request r, Caller caller) {
        Response response;
        try {
            response = route(r, caller);
        } catch (ApiError e) {
            response = e.response();
        } catch (RuntimeException | Error e) {
            if (e instanceof OutOfMemoryError oom) {
                throw oom; // the JVM is told to exit on it (the checker launcher), to be restarted whole
            }
            response = internalError(r, e);
        }
        return finished(r, response);
    }

    /** CORS, and no shared cache for a check's answer. */
    private Response finished(Request r, Response response) {
        if (r.path().startsWith("/v1/check")) {
            // An answer about one person's address, for that caller alone: no shared cache keeps it.
            response = new Response(response.status(), Json.merged(response.headers(), "cache-control", "no-store"),
                    response.body(), response.binary());
        }
        return withCors(r, response);
    }

    /**
     * The answer to a client over its limit ({@code serve --client-rate}) before its body is parsed: 429 with
     * {@code Retry-After}, as the check routes answer it, and the CORS headers, so that a page's script sees the
     * 429 rather than what looks like a CORS refusal.
     */
    public Response tooManyRequests(Request r, Duration retryAfter) {
        return finished(r, CheckRoutes.overRate(retryAfter).response());
    }

    /**
     * A bug or a failing dependency (the store, the resolver): a 500 whose id is in the log line with the
     * exception ({@link Defects}), so a report of it can be found there.
     */
    private static Response internalError(Request r, Throwable e) {
        String id = Defects.log("answering " + r.method() + " " + r.path(), e);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "internal error; the server's log has the details under this error_id");
        body.put("error_id", id);
        return Json.of(500, body);
    }

    private Response route(Request r, Caller caller) {
        String path = r.path().length() > 1 && r.path().endsWith("/") ? r.path().substring(0, r.path().length() - 1) : r.path();
        if (r.method().equals("OPTIONS")) {
            return new Response(204, Map.of(), "");
        }
        for (Route route : routes) {
            Matcher m = route.path().matcher(path);
            if (m.matches()) {
                Handler handler = route.methods().get(r.method());
                if (handler == null) {
                    throw new ApiError(405, r.path() + " takes " + route.methods().keySet().iterator().next()
                            + ", not " + r.method(), null);
                }
                return handler.answer(r, m, caller);
            }
        }
        throw new ApiError(404, "no such resource: " + r.method() + " " + r.path(), null);
    }

    private Response withCors(Request r, Response response) {
        String origin = r.headers().get("origin");
        if (origin == null || !(corsOrigins.contains("*") || corsOrigins.contains(origin))) {
            return response;
        }
        Map<String, String> headers = Json.merged(response.headers(), "vary", "Origin");
        headers.put("access-control-allow-origin", corsOrigins.contains("*") ? "*" : origin);
        if (r.method().equals("OPTIONS")) {
            headers.put("access-control-allow-methods", "GET, POST, DELETE, OPTIONS");
            headers.put("access-control-allow-headers", "content-type");
            headers.put("access-control-max-age", "600");
        }
        return new Response(response.status(), headers, response.body(), response.binary());
    }

    /**
     * Per provider group, what the SMTP probe held back, as the job's JSON and its end event show it (docs/api.md):
     * {@code [{"group": "microsoft", "not_tried": 120, "waited": 4000}]}, most first.
     */
    public static List<Map<String, Object>> heldBack(List<HeldBack> heldBack) {
        return heldBack.stream().map(h -> {
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("group", h.group());
            g.put("not_tried", h.notTried());
            g.put("waited", h.waited());
            return g;
        }).toList();
    }

    /** The JSON of an error the server answers itself, before the API sees the request. */
    public static String errorBody(String message) {
        return Json.error(400, message, null).body();
    }
}
