package dev.mailcheck.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.store.LocalResultStore;
import dev.mailcheck.testbed.FuzzBudget;
import dev.mailcheck.testbed.Nsd;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Any body POSTed to /v1/checks gets a JSON answer with 200, 400 or 413: never a 500, never an
 * exception out of {@link Api#handle}. DNS goes to the test NSD only.
 */
@AddLifecycleHook(FuzzBudget.class)
class ApiFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static MxResolver dns;
    private static Api api;

    @BeforeContainer
    static void start() {
        dns = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(2), 64, true);
        LocalResultStore store = new LocalResultStore(LocalResultStore.Limits.DEFAULT, SmtpCodes::link);
        api = new Api(new Checker(dns), null, store, new InProcessJobs(new Checker(dns), store, 4), List.of());
    }

    @AfterContainer
    static void stop() {
        dns.close();
    }

    @Property
    void everyBodyGetsAJsonAnswer(@ForAll("bodies") String body) throws Exception {
        Api.Response r = api.handle(new Api.Request("POST", "/v1/checks", Map.of(), Map.of(), body));
        assertTrue(Set.of(200, 400, 413).contains(r.status()), r.status() + " for " + cut(body));
        assertEquals("application/json", r.headers().get("content-type"));
        JsonNode answer = JSON.readTree(r.body());
        if (r.status() == 200) {
            assertEquals(JSON.readTree(body).get("addresses").size(), answer.get("results").size());
            assertTrue(answer.get("job_id").isTextual());
        } else {
            assertTrue(answer.get("error").isTextual(), r.body());
        }
        Statistics.label("status").collect(r.status());
        // Guards the generator: bodies that pass validation must be common enough to exercise the checks.
        Statistics.label("status").coverage(c -> {
            c.check(200).percentage(p -> p >= 10);
            c.check(400).percentage(p -> p >= 10);
        });
    }

    @Provide
    Arbitrary<String> bodies() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, requests()),
                Tuple.of(3, requests().flatMap(ApiFuzzTest::mutated)),
                Tuple.of(2, Arbitraries.strings().all().ofMaxLength(200)),
                Tuple.of(1, Combinators.combine(Arbitraries.of("[", "{\"a\":", "[{\"addresses\":"),
                        Arbitraries.integers().between(500, 5000)).as((open, n) -> open.repeat(n))),
                Tuple.of(1, Arbitraries.of("x", "é", "\\u00e9", "🙂").map(unit ->
                        "{\"addresses\": [\"" + unit.repeat(Api.MAX_BODY_BYTES / unit.length() + 1) + "\"]}")));
    }

    /** Plausible requests: an object with "addresses" (not always an array of strings) and "smtp". */
    private static Arbitrary<String> requests() {
        Arbitrary<String> address = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of("someone@good.checker.test", "user@nullmx.checker.test", "bad address",
                        "a@\"@..com", "x@absent.checker.test", "", "ü@bücher.checker.test")),
                Tuple.of(2, Arbitraries.strings().all().ofMaxLength(40)));
        Arbitrary<String> item = Arbitraries.frequencyOf(
                Tuple.of(8, address.map(ApiFuzzTest::quote)),
                Tuple.of(1, scalar()));
        Arbitrary<String> addresses = Arbitraries.frequencyOf(
                Tuple.of(8, item.list().ofMaxSize(5).map(l -> "[" + String.join(",", l) + "]")),
                Tuple.of(1, scalar()),
                Tuple.of(1, Arbitraries.just("[" + "\"a@b.test\",".repeat(Api.MAX_ADDRESSES) + "\"a@b.test\"]")));
        Arbitrary<String> smtp = Arbitraries.of("", ", \"smtp\": false", ", \"smtp\": true", ", \"smtp\": \"yes\"",
                ", \"smtp\": null", ", \"extra\": {\"nested\": [1, 2]}");
        return Combinators.combine(addresses, smtp).as((a, s) -> "{\"addresses\": " + a + s + "}");
    }

    private static Arbitrary<String> scalar() {
        return Arbitraries.of("1", "-0", "1e999999", "123456789012345678901234567890", "true", "null", "{}", "[[]]",
                "\"\\ud800\"", "\"\\u0000\"", "\"\\uZZZZ\"");
    }

    /** A request cut short, or with one character inserted: the JSON parser's error paths. */
    private static Arbitrary<String> mutated(String json) {
        return Combinators.combine(Arbitraries.integers().between(0, json.length()),
                        Arbitraries.of("", "\"", ",", "}", "]", "\\", "\u0000", "\ud800"), Arbitraries.of(true, false))
                .as((at, insert, cut) -> cut ? json.substring(0, at) : json.substring(0, at) + insert + json.substring(at));
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String cut(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
