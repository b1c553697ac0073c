package dev.mailcheck.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.Defects;
import dev.mailcheck.LoggedDefects;
import dev.mailcheck.aws.DynamoResultStore;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.TransportSecurityLookup;
import dev.mailcheck.jobs.JobWorkflow;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.pipeline.Recheck;
import dev.mailcheck.smtp.Pacing;
import dev.mailcheck.smtp.SmtpSettings;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.LocalResultStore;
import dev.mailcheck.testbed.Moto;
import dev.mailcheck.testbed.Nsd;
import dev.mailcheck.testbed.Postfix;
import dev.mailcheck.testbed.Unbound;
import java.io.ByteArrayInputStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The API's routes and errors, in process, against NSD and the in-memory store. */
class ApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static MxResolver dns;
    private static Api api;

    @BeforeAll
    static void start() {
        dns = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 64, true);
        LocalResultStore store = new LocalResultStore(LocalResultStore.Limits.DEFAULT, SmtpCodes::link);
        api = new Api(new Checker(dns), null, store, new InProcessJobs(new Checker(dns), store, 4), List.of("https://signup.example"));
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    private static Api.Response call(String method, String path, Map<String, String> query, String body) {
        return api.handle(new Api.Request(method, path, query, Map.of(), body));
    }

    private static JsonNode json(Api.Response r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void checkOneAddress() throws Exception {
        Api.Response r = call("GET", "/v1/check", Map.of("address", "user@nullmx.checker.test"), null);
        assertEquals(200, r.status());
        assertEquals("application/json", r.headers().get("content-type"));
        JsonNode result = json(r);
        assertEquals("null_mx", result.get("reason").asText());
        assertEquals(556, result.at("/predicted_reply/code").asInt());
        assertEquals("/v1/smtp-codes/556", result.at("/predicted_reply/reference").asText());
    }

    /** Every written result links its reply to where GET /v1/smtp-codes explains the code; null for a code it lacks. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "-", textBlock = """
            556, /v1/smtp-codes/556
            250, /v1/smtp-codes/250
            571, -
            299, -
            """)
    void smtpCodeLink(int code, String link) {
        assertEquals(link, SmtpCodes.link(code));
    }

    /** security=true adds the domain's transport security, where the deployment has a lookup for it. */
    @ParameterizedTest(name = "{0} security={2} on {1} -> {3}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # method | deployment | security | status | dnssec of secure.test | error says
            GET      | lookup     | true     | 200    | secure                | -
            GET      | lookup     | false    | 200    | -                     | -
            GET      | lookup     | -        | 200    | -                     | -
            GET      | lookup     | yes      | 400    | -                     | security must be true or false
            GET      | none       | true     | 400    | -                     | security report is not enabled
            POST     | lookup     | true     | 200    | secure                | -
            POST     | lookup     | -        | 200    | -                     | -
            POST     | lookup     | "yes"    | 400    | -                     | "security" must be true or false
            POST     | none       | true     | 400    | -                     | security report is not enabled
            """)
    void securityReport(String method, String deployment, String security, int status, String dnssec, String says)
            throws Exception {
        InetSocketAddress resolver = Unbound.validating().address();
        try (MxResolver mx = new MxResolver(List.of(resolver), Duration.ofSeconds(3), 16, true);
             TransportSecurityLookup lookup = new TransportSecurityLookup(List.of(resolver), Duration.ofSeconds(3), 16, true)) {
            Checker checker = new Checker(mx).withSecurityLookup(deployment.equals("lookup") ? lookup : null);
            LocalResultStore store = new LocalResultStore(LocalResultStore.Limits.DEFAULT, SmtpCodes::link);
            Api secured = new Api(checker, null, store, new InProcessJobs(checker, store, 4), List.of());
            Api.Response r = method.equals("GET")
                    ? secured.handle(new Api.Request("GET", "/v1/check", security == null
                            ? Map.of("address", "a@secure.test") : Map.of("address", "a@secure.test", "security", security),
                            Map.of(), null))
                    : secured.handle(new Api.Request("POST", "/v1/checks", Map.of(), Map.of(),
                            "{\"addresses\": [\"a@secure.test\"]" + (security == null ? "" : ", \"security\": " + security) + "}"));
            assertEquals(status, r.status(), r.body());
            JsonNode body = json(r);
            if (status != 200) {
                assertTrue(body.get("error").asText().contains(says), r.body());
                assertEquals("security", body.get("field").asText());
                return;
            }
            JsonNode result = method.equals("GET") ? body : body.at("/results/0");
            assertEquals("accepts_mail", result.get("reason").asText(), r.body());
            assertEquals(dnssec == null, result.get("security").isNull(), r.body());
            if (dnssec != null) {
                assertEquals(dnssec, result.at("/security/dnssec").asText(), r.body());
                assertTrue(result.at("/security/dane").asBoolean(), r.body());
                assertTrue(result.at("/security/mta_sts").asBoolean(), r.body());
                assertTrue(result.at("/security/tls_rpt").asBoolean(), r.body());
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} Accept-Language: {2} -> {3}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # method | path                | accept-language     | status | language | class              | says
            GET      | /v1/smtp-codes/556  | -                   | 200    | en       | permanent_negative | null MX
            GET      | /v1/smtp-codes/556  | ar                  | 200    | ar       | permanent_negative | النطاق لا يقبل البريد
            GET      | /v1/smtp-codes/354  | ar-EG,ar;q=0.9,en;q=0.8 | 200 | ar      | positive_intermediate | DATA
            GET      | /v1/smtp-codes/354  | fr-FR               | 200    | en       | positive_intermediate | DATA
            GET      | /v1/smtp-codes/451/ | en                  | 200    | en       | transient_negative | 4.4.3
            GET      | /v1/smtp-codes/999  | -                   | 404    | -        | -                  | no SMTP reply code 999
            GET      | /v1/smtp-codes/abc  | ar                  | 404    | -        | -                  | no SMTP reply code abc
            POST     | /v1/smtp-codes/556  | -                   | 405    | -        | -                  | takes GET
            """)
    void smtpCodeReference(String method, String path, String acceptLanguage, int status, String language,
                           String replyClass, String says) throws Exception {
        Api.Response r = api.handle(new Api.Request(method, path, Map.of(),
                acceptLanguage == null ? Map.of() : Map.of("accept-language", acceptLanguage), null));
        assertEquals(status, r.status(), r.body());
        JsonNode body = json(r);
        if (status != 200) {
            assertTrue(body.get("error").asText().contains(says), r.body());
            assertEquals(status == 404 ? "code" : null, body.has("field") ? body.get("field").asText() : null);
            return;
        }
        assertEquals(language, r.headers().get("content-language"));
        assertEquals(language, body.get("language").asText());
        assertEquals(replyClass, body.get("class").asText());
        assertEquals(path.replaceAll(".*/(\\d{3})/?$", "$1"), body.get("code").asText());
        for (String field : List.of("class_name", "meaning", "when", "fix")) {
            assertTrue(body.get(field).asText().length() > 3, field + " in " + r.body());
        }
        assertTrue((body.get("meaning").asText() + body.get("when").asText()).contains(says), r.body());
        // 354 and 556 carry their comparison; other codes an empty list.
        assertEquals(path.contains("354") || path.contains("556") ? 1 : 0, body.get("comparisons").size());
    }

    @Test
    void checkManyThenReadTheJobAndItsPages() throws Exception {
        List<String> addresses = IntStream.range(0, 250).mapToObj(i -> i % 2 == 0 ? "u" + i + "@good.checker.test" : "bad " + i)
                .toList();
        Api.Response r = call("POST", "/v1/checks", Map.of(), JSON.writeValueAsString(Map.of("addresses", addresses)));
        assertEquals(200, r.status(), r.body());
        JsonNode body = json(r);
        assertEquals(250, body.get("results").size());
        String id = body.get("job_id").asText();

        JsonNode job = json(call("GET", "/v1/jobs/" + id, Map.of(), null));
        assertEquals("done", job.get("status").asText());
        assertEquals(125, job.at("/counts/deliverable").asInt());
        assertEquals(125, job.at("/counts/undeliverable").asInt());

        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = json(call("GET", "/v1/jobs/" + id + "/results", cursor == null ? Map.of() : Map.of("cursor", cursor), null));
            page.get("results").forEach(x -> seen.add(x.get("address").asText()));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            pages++;
        } while (cursor != null);
        assertEquals(3, pages);
        assertEquals(new HashSet<>(addresses), seen);
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {4}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # method | path                    | content type     | body                                   | status | field
            GET      | /v1/check               | -                | -                                      | 400    | address
            POST     | /v1/checks              | application/json | -                                      | 400    | body
            POST     | /v1/checks              | application/json | {not json                              | 400    | body
            POST     | /v1/checks              | application/json | {"addresses": "a@b.test"}              | 400    | addresses
            POST     | /v1/checks              | application/json | {"addresses": [1, 2]}                  | 400    | addresses
            POST     | /v1/checks              | application/json | {"addresses": [], "smtp": "yes"}       | 400    | smtp
            POST     | /v1/checks              | application/json | {"addresses": ["a@good.checker.test"], "smtp": true} | 400 | smtp
            POST     | /v1/jobs                | text/plain       | -                                      | 400    | body
            POST     | /v1/jobs                | application/json | {"addresses": ["a@good.checker.test"]} | 400    | s3_key
            POST     | /v1/jobs                | application/json | {"s3_key": "uploads/list.csv"}         | 400    | s3_key
            POST     | /v1/jobs                | application/json | [1]                                    | 400    | body
            POST     | /v1/jobs                | application/json | {"s3_key": "incoming/l.csv", "column": 3} | 400 | column
            POST     | /v1/jobs                | image/png        | a@good.checker.test                    | 415    | content-type
            GET      | /v1/jobs                | -                | -                                      | 405    | -
            GET      | /v1/jobs/nope           | -                | -                                      | 404    | id
            GET      | /v1/jobs/nope/results   | -                | -                                      | 404    | id
            GET      | /v1/nothing             | -                | -                                      | 404    | -
            DELETE   | /v1/check               | -                | -                                      | 405    | -
            """)
    void clearErrors(String method, String path, String type, String body, int status, String field) throws Exception {
        Api.Response r = api.handle(new Api.Request(method, path, Map.of(),
                type == null ? Map.of() : Map.of("content-type", type), body));
        assertEquals(status, r.status(), r.body());
        JsonNode error = json(r);
        assertTrue(error.get("error").asText().length() > 10, r.body());
        assertEquals(field, error.has("field") ? error.get("field").asText() : null);
    }

    /**
     * A job's list as serve checks it: the address column named by {@code ?column=}, else found by its header's
     * name; a CSV with neither fails the job with an error that names the headers found.
     */
    @ParameterizedTest(name = "{0} {1} column={3}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # content type              | list (\\n between lines)                                                   | column  | status | deliverable | undeliverable | error says
            text/plain; charset=utf-8   | a@good.checker.test\\nb@nullmx.checker.test\\n\\nnot one\\nc@good.checker.test | -       | done   | 2           | 3             | -
            text/csv                    | name,email\\n"Doe, Jane",jane@good.checker.test\\nNo One,                      | -       | done   | 1           | 1             | -
            text/csv                    | Name,Email Address\\nJane,jane@good.checker.test\\nBob,bob@nullmx.checker.test  | -       | done   | 1           | 1             | -
            text/csv                    | id,mail\\n1,jane@good.checker.test                                          | -       | done   | 1           | 0             | -
            text/csv                    | email,work\\nold@nullmx.checker.test,jane@good.checker.test                 | work    | done   | 1           | 0             | -
            text/plain                  | name,contact\\nJane,jane@good.checker.test                                  | contact | done   | 1           | 0             | -
            text/csv                    | name,contact\\nJane,jane@good.checker.test                                  | -       | failed | 0           | 0             | its columns are: name, contact
            text/csv                    | name,email\\nJane,jane@good.checker.test                                    | Mail    | failed | 0           | 0             | no 'Mail' column; its columns are: name, email
            """)
    void aJobRunsAfterTheResponse(String type, String list, String column, String status, int deliverable,
                                  int undeliverable, String says) throws Exception {
        Api.Response accepted = api.handle(new Api.Request("POST", "/v1/jobs", column == null ? Map.of()
                : Map.of("column", column), Map.of("content-type", type), list.replace("\\n", "\n")));
        assertEquals(202, accepted.status(), accepted.body());
        String id = json(accepted).get("id").asText();
        assertEquals("/v1/jobs/" + id, accepted.headers().get("location"));
        JsonNode job;
        long deadline = System.nanoTime() + 30_000_000_000L;
        do {
            Thread.sleep(20);
            job = json(call("GET", "/v1/jobs/" + id, Map.of(), null));
        } while (!Set.of("done", "failed").contains(job.get("status").asText()) && System.nanoTime() < deadline);
        assertEquals(status, job.get("status").asText(), job.toString());
        if (says == null) {
            assertFalse(job.has("error"), job::toString);
        } else {
            assertTrue(job.get("error").asText().endsWith(says), job::toString);
        }
        assertEquals(deliverable + undeliverable, job.get("total").asInt());
        assertEquals(deliverable, job.at("/counts/deliverable").asInt());
        assertEquals(undeliverable, job.at("/counts/undeliverable").asInt());
        assertEquals(deliverable + undeliverable,
                json(call("GET", "/v1/jobs/" + id + "/results", Map.of(), null)).get("results").size());
    }

    /**
     * POST /v1/check: the address in a body a browser sends without a CORS preflight (text/plain, a form), or
     * JSON; the same answer as GET, never kept by a shared cache. JSON's fields are typed as POST /v1/checks's are
     * (before, found by a review: null and 42 were checked as the texts "null" and "42", a flag "false" taken).
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # method | content type                              | body                             | status | reason or field
            GET      | -                                         | -                                | 200    | null_mx
            POST     | text/plain;charset=UTF-8                  | jane@nullmx.checker.test         | 200    | null_mx
            POST     | -                                         | jane@nullmx.checker.test{LF}     | 200    | null_mx
            POST     | application/x-www-form-urlencoded         | address=jane%40nullmx.checker.test | 200  | null_mx
            POST     | application/json                          | {"address": "jane@nullmx.checker.test"} | 200 | null_mx
            POST     | text/plain                                | ''                               | 400    | address
            POST     | application/x-www-form-urlencoded         | smtp=false                       | 400    | address
            POST     | application/x-www-form-urlencoded         | address=%zz                      | 400    | body
            POST     | application/xml                           | <address/>                       | 415    | content-type
            POST     | text/plain                                | a{5000}                          | 413    | body
            POST     | application/json                          | {"address": null}                | 400    | address
            POST     | application/json                          | {"address": 42}                  | 400    | address
            POST     | application/json                          | {"address": "jane@nullmx.checker.test", "smtp": "false"} | 400 | smtp
            POST     | application/json                          | {"address": "jane@nullmx.checker.test", "security": [true]} | 400 | security
            POST     | application/json                          | {"address": "jane@nullmx.checker.test", "smtp": false} | 200 | null_mx
            """)
    void aCheckTakesTheAddressInTheQueryOrTheBody(String method, String type, String body, int status, String said)
            throws Exception {
        String sent = body == null ? null : body.replace("{LF}", "\n").replace("a{5000}", "a".repeat(5000));
        Api.Response r = api.handle(new Api.Request(method, "/v1/check",
                method.equals("GET") ? Map.of("address", "jane@nullmx.checker.test") : Map.of(),
                type == null ? Map.of("origin", "https://signup.example")
                        : Map.of("content-type", type, "origin", "https://signup.example"), sent));
        assertEquals(status, r.status(), r.body());
        assertEquals(status == 200 ? said : json(r).path("field").asText(),
                status == 200 ? json(r).get("reason").asText() : said);
        assertEquals("no-store", r.headers().get("cache-control"));
        assertEquals("https://signup.example", r.headers().get("access-control-allow-origin"));
    }

    /**
     * With the probe on, the public route (which any page can make its visitors' browsers call) answers whether a
     * mailbox exists only when the switch allows it; POST /v1/checks probes either way.
     */
    @ParameterizedTest(name = "public smtp {0}: {1} {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # public smtp | method | path       | status | reason
            false         | GET    | /v1/check  | 403    | -
            false         | POST   | /v1/check  | 403    | -
            false         | POST   | /v1/checks | 200    | mailbox_rejected
            true          | GET    | /v1/check  | 200    | mailbox_rejected
            true          | POST   | /v1/check  | 200    | mailbox_rejected
            """)
    void thePublicRouteProbesOnlyWhenAllowed(boolean publicSmtp, String method, String path, int status, String reason)
            throws Exception {
        SmtpSettings smtp = SmtpSettings.defaults().withHelo("prober.test").withMailFrom("probe@checker.test")
                .withPort(Postfix.shared().port()).withStarttls(false);
        LocalResultStore store = new LocalResultStore(LocalResultStore.Limits.DEFAULT, SmtpCodes::link);
        Api serve = new Api(new Checker(dns), Api.smtpChecker(dns, smtp, Pacing.off(), null), store, null, List.of(), publicSmtp);
        String address = "nobody-" + UUID.randomUUID().toString().substring(0, 8) + "@strict.smtp.test";
        Api.Response r = switch (path + " " + method) {
            case "/v1/check GET" -> serve.handle(new Api.Request("GET", path, Map.of("address", address, "smtp", "true"),
                    Map.of(), null));
            case "/v1/check POST" -> serve.handle(new Api.Request("POST", path, Map.of(),
                    Map.of("content-type", "application/x-www-form-urlencoded"), "address=" + address + "&smtp=true"));
            default -> serve.handle(new Api.Request("POST", path, Map.of(), Map.of("content-type", "application/json"),
                    "{\"addresses\": [\"" + address + "\"], \"smtp\": true}"));
        };
        assertEquals(status, r.status(), r.body());
        if (status == 403) {
            assertEquals("smtp", json(r).get("field").asText());
        } else {
            JsonNode result = path.equals("/v1/checks") ? json(r).get("results").get(0) : json(r);
            assertEquals(reason, result.get("reason").asText(), result::toString);
        }
    }

    /** serve's API with the probe on, its jobs probing with the same prober (to RCPT, or on to DATA's 354). */
    private static Api serveWithSmtp(Checker withSmtp, LocalResultStore store, Recheck recheck, int perChunk,
                                     boolean publicSmtp) {
        return new Api(new Checker(dns), withSmtp, store, new InProcessJobs(new JobWorkflow.Checkers(new Checker(dns),
                withSmtp, withSmtp.goingToData(), recheck), store, 4,
                perChunk == 0 ? JobWorkflow.Chunking.DEFAULT : new JobWorkflow.Chunking(0, perChunk)), List.of(),
                publicSmtp);
    }

    /** The job as GET /v1/jobs/{id} shows it once it is done, within a minute. */
    private static JsonNode done(Api serve, String id) throws Exception {
        JsonNode job;
        long deadline = System.nanoTime() + 60_000_000_000L;
        do {
            Thread.sleep(50);
            job = json(serve.handle(new Api.Request("GET", "/v1/jobs/" + id, Map.of(), Map.of(), null)));
        } while (!job.get("status").asText().equals("done") && System.nanoTime() < deadline);
        assertEquals("done", job.get("status").asText(), job.toString());
        return job;
    }

    /**
     * What the SMTP probe held back is the job's own (serve shares one prober across jobs): two domains whose
     * mail goes to one MX address at a budget of 60 new sessions a minute, so one of them waits a second for its
     * session; the job, checked in one piece or as chunks of one address, says so per provider group.
     */
    @ParameterizedTest(name = "{0} per chunk (0: one piece)")
    @CsvSource({"0", "1"})
    void aSmtpJobSaysWhatItHeldBackPerProviderGroup(int perChunk) throws Exception {
        SmtpSettings smtp = SmtpSettings.defaults().withHelo("prober.test").withPort(Postfix.shared().port())
                .withStarttls(false).withLinger(Duration.ofMillis(50));
        LocalResultStore store = new LocalResultStore(LocalResultStore.Limits.DEFAULT, SmtpCodes::link);
        Api serve = serveWithSmtp(Api.smtpChecker(dns, smtp, Pacing.off().withConnectsPerMinute(60), null), store,
                Recheck.NONE, perChunk, false);
        Api.Response accepted = serve.handle(new Api.Request("POST", "/v1/jobs", Map.of("smtp", "true"),
                Map.of("content-type", "text/plain"), "alice@strict.smtp.test\nalice@failover.smtp.test\n"));
        assertEquals(202, accepted.status(), accepted.body());
        String id = json(accepted).get("id").asText();
        JsonNode job = done(serve, id);
        assertEquals(JSON.readTree("[{\"group\": \"mx-strict.smtp.test\", \"not_tried\": 0, \"waited\": 1}]"),
                job.get("held_back"), job::toString);
        JsonNode results = json(serve.handle(new Api.Request("GET", "/v1/jobs/" + id + "/results", Map.of(), Map.of(),
                null))).get("results");
        int waited = 0;
        for (JsonNode r : results) {
            assertEquals("mx-strict.smtp.test", r.at("/smtp/provider_group").asText(), r::toString);
            waited += r.at("/smtp/waited_for_budget").asBoolean() ? 1 : 0;
        }
        assertEquals(1, waited, results::toString);
    }

    /**
     * A serve job with {@code ?smtp=true} against a real postgrey that lets a retry through after two seconds:
     * the greylisted address waits for its recheck (the job shows {@code rechecking: 1} meanwhile and stays
     * running), then comes out with its final answer and {@code tries}; the address after it keeps its place.
     * The server's hint is 300 s: that the job ends at all shows the window shortened the wait. Split into chunks
     * of one address, the greylisted one's chunk holds the job open while the other's is done.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # scenario                                   | per chunk (0: one piece) | tries allowed | window (s) | reason            | tries | seen waiting
            greylisted, no recheck                       | 0                        | 1             | 0          | temporary_failure | 1     | false
            greylisted, rechecked after postgrey's delay | 0                        | 3             | 8          | mailbox_accepted  | 2     | true
            the same, each address a chunk of its own    | 1                        | 3             | 8          | mailbox_accepted  | 2     | true
            """)
    void aSmtpJobRechecksGreylistingBeforeItEnds(String scenario, int perChunk, int tries, int window, String reason,
                                                 int tried, boolean seenWaiting) throws Exception {
        // postgrey remembers (client, sender, recipient): a sender of its own makes this job's first try new
        SmtpSettings smtp = SmtpSettings.defaults().withHelo("prober.test")
                .withMailFrom("recheck-" + UUID.randomUUID() + "@checker.test").withPort(Postfix.shared().port())
                .withStarttls(false);
        LocalResultStore store = new LocalResultStore(LocalResultStore.Limits.DEFAULT, SmtpCodes::link);
        Api serve = serveWithSmtp(Api.smtpChecker(dns, smtp, Pacing.off(), null), store,
                new Recheck(tries, Duration.ofSeconds(window)), perChunk, false);
        Api.Response accepted = serve.handle(new Api.Request("POST", "/v1/jobs", Map.of("smtp", "true"),
                Map.of("content-type", "text/plain"), "alice@shortgrey.smtp.test\nuser@nullmx.checker.test\n"));
        assertEquals(202, accepted.status(), accepted.body());
        String id = json(accepted).get("id").asText();
        boolean sawWaiting = false;
        JsonNode job;
        long deadline = System.nanoTime() + 60_000_000_000L;
        do {
            Thread.sleep(50);
            job = json(serve.handle(new Api.Request("GET", "/v1/jobs/" + id, Map.of(), Map.of(), null)));
            if (job.get("rechecking").asInt() > 0) {
                assertEquals(1, job.get("rechecking").asInt(), job::toString);
                assertEquals("running", job.get("status").asText(), "a job waiting for a recheck has not ended");
                sawWaiting = true;
            }
        } while (!job.get("status").asText().equals("done") && System.nanoTime() < deadline);
        assertEquals("done", job.get("status").asText(), job.toString());
        assertEquals(0, job.get("rechecking").asInt());
        assertEquals(seenWaiting, sawWaiting);
        JsonNode results = json(serve.handle(new Api.Request("GET", "/v1/jobs/" + id + "/results", Map.of(), Map.of(),
                null))).get("results");
        assertEquals(List.of("alice@shortgrey.smtp.test", "user@nullmx.checker.test"),
                List.of(results.get(0).get("address").asText(), results.get(1).get("address").asText()));
        assertEquals(reason, results.get(0).get("reason").asText(), results.get(0)::toString);
        assertEquals(tried, results.get(0).get("tries").asInt(), results.get(0)::toString);
        assertEquals(1, results.get(1).get("tries").asInt(), results.get(1)::toString);
        assertEquals(perChunk == 0 ? 0 : 2, job.path("chunks").asInt(), job::toString);
    }

    /**
     * The SMTP flags, read alike by every route: a job or a check that asks for the probe (to RCPT or on to DATA's
     * 354) where it is off is refused, naming the flag it sent and how to turn the probe on; {@code smtp_data=true}
     * implies the probe and contradicts {@code smtp=false}; anything but true or false is refused.
     */
    @ParameterizedTest(name = "{0} {1}?{2} {3}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # method | path       | query                     | JSON body                                   | field     | error says
            POST     | /v1/jobs   | smtp=true                 | -                                           | smtp      | --smtp
            POST     | /v1/jobs   | smtp_data=true            | -                                           | smtp_data | --smtp
            POST     | /v1/jobs   | smtp=true&smtp_data=true  | -                                           | smtp_data | --smtp
            POST     | /v1/jobs   | smtp=false&smtp_data=true | -                                           | smtp      | leave smtp out
            POST     | /v1/jobs   | smtp_data=yes             | -                                           | smtp_data | true or false
            POST     | /v1/jobs   | smtp_data=true            | {"s3_key": "incoming/l.csv"}                | smtp_data | --smtp
            GET      | /v1/check  | smtp_data=true            | -                                           | smtp_data | --smtp
            GET      | /v1/check  | smtp=false&smtp_data=true | -                                           | smtp      | leave smtp out
            POST     | /v1/checks | -                         | {"addresses": [], "smtp_data": "yes"}       | smtp_data | true or false
            POST     | /v1/checks | -                         | {"addresses": ["a@good.checker.test"], "smtp_data": true} | smtp_data | --smtp
            POST     | /v1/checks | -                         | {"addresses": [], "smtp": false, "smtp_data": true} | smtp | leave smtp out
            """)
    void smtpFlagsWhereTheProbeIsOff(String method, String path, String query, String body, String field, String says)
            throws Exception {
        Map<String, String> params = new java.util.LinkedHashMap<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                params.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
            }
        }
        if (path.equals("/v1/check")) {
            params.put("address", "a@good.checker.test");
        }
        String type = body != null ? "application/json" : "text/plain";
        Api.Response r = api.handle(new Api.Request(method, path, params, Map.of("content-type", type),
                body != null ? body : method.equals("POST") ? "a@good.checker.test\n" : null));
        assertEquals(400, r.status(), r.body());
        assertEquals(field, json(r).get("field").asText(), r.body());
        assertTrue(json(r).get("error").asText().contains(says), r.body());
    }

    /**
     * How far serve probes is each request's own, from one prober: {@code smtp=true} stops at RCPT, {@code
     * smtp_data=true} goes on to DATA's 354 (the result's stage says which), for a job in one piece or in chunks and
     * for the checks; Postfix's log shows the sessions that reached DATA were dropped there, and nothing was queued.
     */
    @ParameterizedTest(name = "{0} {1} (per chunk {2}) -> {3}")
    @CsvSource(delimiter = '|', textBlock = """
            # route    | flag      | per chunk (0: one piece) | stage
            /v1/jobs   | smtp      | 0                        | rcpt
            /v1/jobs   | smtp_data | 0                        | data_354
            /v1/jobs   | smtp_data | 1                        | data_354
            /v1/checks | smtp      | 0                        | rcpt
            /v1/checks | smtp_data | 0                        | data_354
            /v1/check  | smtp_data | 0                        | data_354
            """)
    void serveProbesAsFarAsEachRequestAsks(String route, String flag, int perChunk, String stage) throws Exception {
        SmtpSettings smtp = SmtpSettings.defaults().withHelo("prober.test").withPort(Postfix.shared().port())
                .withMailFrom("depth-" + UUID.randomUUID() + "@checker.test").withStarttls(false);
        LocalResultStore store = new LocalResultStore(LocalResultStore.Limits.DEFAULT, SmtpCodes::link);
        Api serve = serveWithSmtp(Api.smtpChecker(dns, smtp, Pacing.off(), null), store, Recheck.NONE, perChunk, true);
        List<String> addresses = List.of("alice@strict.smtp.test", "zed@strict.smtp.test", "anyone@catchall.smtp.test");
        int mark = Postfix.shared().logMark();
        JsonNode results = switch (route) {
            case "/v1/jobs" -> {
                Api.Response accepted = serve.handle(new Api.Request("POST", route, Map.of(flag, "true"),
                        Map.of("content-type", "text/plain"), String.join("\n", addresses)));
                assertEquals(202, accepted.status(), accepted.body());
                String id = json(accepted).get("id").asText();
                done(serve, id);
                yield json(serve.handle(new Api.Request("GET", "/v1/jobs/" + id + "/results", Map.of(), Map.of(),
                        null))).get("results");
            }
            case "/v1/checks" -> json(serve.handle(new Api.Request("POST", route, Map.of(),
                    Map.of("content-type", "application/json"), JSON.writeValueAsString(Map.of("addresses", addresses,
                            flag, true))))).get("results");
            default -> JSON.createArrayNode().addAll(addresses.stream().map(a -> {
                try {
                    return json(serve.handle(new Api.Request("GET", route, Map.of("address", a, flag, "true"), Map.of(),
                            null)));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).toList());
        };
        String log = Postfix.shared().logSince(mark);
        assertEquals(addresses, java.util.stream.StreamSupport.stream(results.spliterator(), false)
                .map(r -> r.get("address").asText()).toList());
        List<String> reasons = List.of("mailbox_accepted", "mailbox_rejected", "accept_all");
        for (int i = 0; i < addresses.size(); i++) {
            JsonNode r = results.get(i);
            assertEquals(reasons.get(i), r.get("reason").asText(), r::toString);
            // A rejected RCPT ends the probe there, DATA or not.
            assertEquals(i == 1 ? "rcpt" : stage, r.at("/smtp/stage").asText(), r::toString);
        }
        assertEquals(stage.equals("data_354"), log.contains("lost connection after DATA"), log);
        assertEquals(List.of(), Postfix.deliveryLines(log), "Postfix queued or delivered something");
        assertTrue(Postfix.shared().queueEmpty(), "the Postfix queue is not empty");
    }

    /** DELETE /v1/jobs/{id} in serve: the job and its results leave the store; then it answers 410, saying so. */
    @Test
    void deleteErasesAJob() throws Exception {
        Api.Response checked = call("POST", "/v1/checks", Map.of(), "{\"addresses\": [\"a@good.checker.test\"]}");
        String id = json(checked).get("job_id").asText();
        assertEquals(1, json(call("GET", "/v1/jobs/" + id + "/results", Map.of(), null)).get("results").size());
        Api.Response deleted = call("DELETE", "/v1/jobs/" + id, Map.of(), null);
        assertEquals(204, deleted.status(), deleted.body());
        Api.Response gone = call("GET", "/v1/jobs/" + id, Map.of(), null);
        assertEquals(410, gone.status());
        assertTrue(json(gone).get("error").asText().endsWith(": it was deleted (DELETE /v1/jobs/" + id + ")"), gone.body());
        assertEquals(410, call("GET", "/v1/jobs/" + id + "/results", Map.of(), null).status());
        assertEquals(410, call("DELETE", "/v1/jobs/" + id, Map.of(), null).status());
    }

    @Test
    void tooManyAddressesAndTooLargeBodies() throws Exception {
        String many = JSON.writeValueAsString(Map.of("addresses",
                IntStream.range(0, 1001).mapToObj(i -> "a" + i + "@b.test").toList()));
        assertEquals(400, call("POST", "/v1/checks", Map.of(), many).status());
        String huge = "{\"addresses\": [\"" + "x".repeat(Api.MAX_BODY_BYTES) + "\"]}";
        assertEquals(413, call("POST", "/v1/checks", Map.of(), huge).status());
        Api.Response list = api.handle(new Api.Request("POST", "/v1/jobs", Map.of(), Map.of("content-type", "text/plain"),
                "a@b.test\n".repeat(Api.MAX_JOB_BODY_BYTES / 9 + 1)));
        assertEquals(413, list.status());
        assertTrue(list.body().contains("S3"), list.body());
    }

    @Test
    void corsForAllowedOriginsOnly() {
        Api.Response preflight = api.handle(new Api.Request("OPTIONS", "/v1/check", Map.of(),
                Map.of("origin", "https://signup.example"), null));
        assertEquals(204, preflight.status());
        assertEquals("https://signup.example", preflight.headers().get("access-control-allow-origin"));
        assertTrue(preflight.headers().get("access-control-allow-methods").contains("GET"));
        Api.Response other = api.handle(new Api.Request("GET", "/v1/check", Map.of("address", "a@good.checker.test"),
                Map.of("origin", "https://evil.example"), null));
        assertNull(other.headers().get("access-control-allow-origin"));
    }

    @ParameterizedTest(name = "{0} {1}?{2} -> {3}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # method | path       | query   | status | content type                   | body has
            GET      | /widget.js | -       | 200    | text/javascript; charset=utf-8 | window.MailCheck
            GET      | /demo      | -       | 200    | text/html; charset=utf-8       | <html lang="en" dir="ltr">
            GET      | /demo/     | lang=ar | 200    | text/html; charset=utf-8       | <html lang="ar" dir="rtl">
            GET      | /demo      | lang=fr | 200    | text/html; charset=utf-8       | <html lang="en" dir="ltr">
            POST     | /widget.js | -       | 405    | application/json               | takes GET
            """)
    void theWidgetAndItsDemoPage(String method, String path, String query, int status, String type, String has) {
        Api.Response r = call(method, path, query == null ? Map.of() : Map.of(query.split("=")[0], query.split("=")[1]),
                null);
        assertEquals(status, r.status(), r.body());
        assertEquals(type, r.headers().get("content-type"));
        assertTrue(r.body().contains(has), r.body());
        if (status == 200) {
            assertTrue(r.headers().get("cache-control").startsWith("public, max-age="), r.headers().toString());
        }
    }

    @Test
    void theOpenApiDocumentNamesEveryRoute() throws Exception {
        Api.Response served = call("GET", "/v1/openapi.json", Map.of(), null);
        assertEquals("application/json", served.headers().get("content-type"));
        JsonNode doc = json(served);
        assertEquals(Set.of("/v1/check", "/v1/checks", "/v1/jobs", "/v1/jobs/{id}", "/v1/jobs/{id}/results",
                        "/v1/jobs/{id}/rerun", "/v1/openapi.json", "/v1/smtp-codes/{code}", "/widget.js", "/demo"),
                iterable(doc.get("paths").fieldNames()));
        Set<String> reasons = iterable(doc.at("/components/schemas/CheckResult/properties/reason/enum").elements())
                .stream().map(JsonNode::asText).collect(Collectors.toSet());
        assertEquals(java.util.Arrays.stream(dev.mailcheck.Reason.values()).map(dev.mailcheck.Reason::code)
                .collect(Collectors.toSet()), reasons);
    }

    /** A DynamoDB table that cannot be reached (nothing listens on 127.0.0.1:1): every store call fails in the SDK. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # method | path                  | body
            GET      | /v1/jobs/j1           | -
            GET      | /v1/jobs/j1/results   | -
            POST     | /v1/checks            | {"addresses": ["a@good.checker.test"]}
            """)
    void aFailureInsideAHandlerIsAJson500WhoseIdIsInTheLog(String method, String path, String body) throws Exception {
        DynamoDbClient unreachable = Moto.dynamo(URI.create("http://127.0.0.1:1"));
        Api broken = new Api(new Checker(dns), null, new DynamoResultStore(unreachable, "results", Duration.ofDays(1), SmtpCodes::link), null,
                List.of("https://signup.example"));
        // Logged by Defects, as every defect is: one SEVERE line with the id, the request and the stack.
        try (LoggedDefects log = new LoggedDefects()) {
            Api.Response r = broken.handle(new Api.Request(method, path, Map.of(),
                    Map.of("origin", "https://signup.example"), body));
            assertEquals(500, r.status(), r.body());
            assertEquals("application/json", r.headers().get("content-type"));
            assertEquals("https://signup.example", r.headers().get("access-control-allow-origin"));
            String id = json(r).get("error_id").asText();
            assertTrue(id.length() >= 8, r.body());
            assertEquals(1, log.lines().size(), log.lines().toString());
            String line = log.assertLogged(Defects.mention(id), SdkClientException.class, null, "DynamoResultStore");
            assertTrue(line.startsWith(Defects.mention(id) + " answering " + method + " " + path), line);
        } finally {
            unreachable.close();
        }
    }

    /** A resolver whose only server never answers (a bound UDP socket nobody reads) keeps a job running for its budget. */
    @Test
    void jobsOverTheCapAreRefusedWith429AndRetryAfter() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             MxResolver slow = new MxResolver(List.of((InetSocketAddress) silent.getLocalSocketAddress()),
                     Duration.ofSeconds(3), 8, false);
             LocalResultStore store = new LocalResultStore(LocalResultStore.Limits.DEFAULT, SmtpCodes::link)) {
            Api oneAtATime = new Api(new Checker(slow), null, store, new InProcessJobs(new Checker(slow), store, 1), List.of());
            Api.Request post = new Api.Request("POST", "/v1/jobs", Map.of(), Map.of("content-type", "text/plain"),
                    "a@silent.checker.test\n");
            Api.Response first = oneAtATime.handle(post);
            assertEquals(202, first.status(), first.body());
            Api.Response refused = oneAtATime.handle(post);
            assertEquals(429, refused.status(), refused.body());
            assertEquals("30", refused.headers().get("retry-after"));
            assertTrue(json(refused).get("error").asText().contains("1 job(s) are already under way"), refused.body());
            String id = json(first).get("id").asText();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (store.job(id).orElseThrow().status() != JobStatus.DONE && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(202, oneAtATime.handle(post).status(), "a slot is free again once the job is done");
        }
    }

    @ParameterizedTest(name = "{0} {1}, Accept-Encoding: {2}, If-None-Match: {3} -> {4}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # path     | query   | accept-encoding       | if-none-match | status | content-encoding
            /widget.js | -       | gzip, deflate, br     | -             | 200    | gzip
            /widget.js | -       | br;q=1.0, gzip;q=0.5  | -             | 200    | gzip
            /widget.js | -       | *                     | -             | 200    | gzip
            /widget.js | -       | gzip;q=0              | -             | 200    | -
            /widget.js | -       | identity              | -             | 200    | -
            /widget.js | -       | -                     | -             | 200    | -
            /widget.js | -       | gzip                  | ETAG          | 304    | -
            /widget.js | -       | -                     | "x", ETAG     | 304    | -
            /widget.js | -       | -                     | *             | 304    | -
            /widget.js | -       | gzip                  | W/"other"     | 200    | gzip
            /demo      | lang=ar | gzip                  | -             | 200    | gzip
            """)
    void webFilesAreGzippedForClientsThatTakeItAndRevalidatedByETag(String path, String query, String acceptEncoding,
                                                                    String ifNoneMatch, int status, String encoding)
            throws Exception {
        Map<String, String> q = query == null ? Map.of() : Map.of(query.split("=")[0], query.split("=")[1]);
        Api.Response plain = call("GET", path, q, null);
        String etag = plain.headers().get("etag");
        assertTrue(etag.matches("W/\"[0-9a-f]{32}\""), etag);
        Map<String, String> headers = new java.util.HashMap<>();
        if (acceptEncoding != null) {
            headers.put("accept-encoding", acceptEncoding);
        }
        if (ifNoneMatch != null) {
            headers.put("if-none-match", ifNoneMatch.replace("ETAG", etag));
        }
        Api.Response r = api.handle(new Api.Request("GET", path, q, headers, null));
        assertEquals(status, r.status());
        assertEquals(etag, r.headers().get("etag"));
        assertEquals("Accept-Encoding", r.headers().get("vary"));
        assertTrue(r.headers().get("cache-control").startsWith("public, max-age="), r.headers().toString());
        assertEquals(encoding, r.headers().get("content-encoding"));
        byte[] bytes = r.bytes();
        if (status == 304) {
            assertEquals(0, bytes.length);
        } else if (encoding != null) {
            assertTrue(bytes.length < plain.bytes().length, bytes.length + " gzipped bytes");
            assertEquals(plain.body(), new String(new GZIPInputStream(new ByteArrayInputStream(bytes)).readAllBytes(),
                    StandardCharsets.UTF_8));
        } else {
            assertEquals(plain.body(), new String(bytes, StandardCharsets.UTF_8));
        }
    }

    @ParameterizedTest(name = "Origin: {0} -> Vary: {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # origin                | vary
            -                       | Accept-Language
            https://signup.example  | Accept-Language, Origin
            https://evil.example    | Accept-Language
            """)
    void smtpCodesVaryByLanguageAndCorsOrigin(String origin, String vary) {
        Api.Response r = api.handle(new Api.Request("GET", "/v1/smtp-codes/556", Map.of(),
                origin == null ? Map.of("accept-language", "ar") : Map.of("accept-language", "ar", "origin", origin), null));
        assertEquals(200, r.status(), r.body());
        assertEquals(vary, r.headers().get("vary"));
        assertEquals("ar", r.headers().get("content-language"));
    }

    private static <T> Set<T> iterable(java.util.Iterator<T> it) {
        Set<T> out = new HashSet<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
