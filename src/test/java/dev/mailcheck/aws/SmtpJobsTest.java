package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.mailcheck.api.Api;
import dev.mailcheck.cli.LocalContext;
import dev.mailcheck.cli.QueueDrain;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.jobs.JobWorkflow;
import dev.mailcheck.jobs.SmtpItem;
import dev.mailcheck.jobs.SmtpLedger;
import dev.mailcheck.jobs.SmtpQueue;
import dev.mailcheck.jobs.SmtpStage;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.pipeline.Recheck;
import dev.mailcheck.smtp.Pacing;
import dev.mailcheck.smtp.SmtpProber;
import dev.mailcheck.smtp.SmtpSettings;
import dev.mailcheck.smtp.Stage;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.testbed.DynamoFaultProxy;
import dev.mailcheck.testbed.FakeSmtpServer;
import dev.mailcheck.testbed.Moto;
import dev.mailcheck.testbed.Nsd;
import dev.mailcheck.testbed.Postfix;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * SMTP jobs on AWS, end to end under moto with IAM enforced (each function's code with its role's permissions):
 * the API or an upload with {@code smtp: true} metadata, the upload function splitting, the chunk function's DNS
 * stage, the SMTP function probing real Postfix/postgrey (and a fake tarpit), rechecks waiting on the delay
 * queue, drained as Lambda's pollers would ({@link QueueDrain}, what {@code checker invoke drain} runs).
 */
class SmtpJobsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Greylisting's recheck window in these tests: a retry after about 4 s, past postgrey's 2 s delay. */
    private static final Recheck RECHECK = new Recheck(3, Duration.ofSeconds(8));

    /**
     * The list and what each address comes to, in input order. The host that blocks the prober is a domain of its
     * own (Postfix refusing the client as block-listed): a host that names the prober's IP in a refusal trips the
     * block breaker for every address still waiting for it, so a blocked mailbox beside accepted ones at one host
     * would make the others "not tried" too, whichever reply came first.
     */
    private static final String LIST = """
            alice@strict.smtp.test     | mailbox_accepted  | 1
            nobody@strict.smtp.test    | mailbox_rejected  | 1
            anyone@catchall.smtp.test  | accept_all        | 1
            alice@shortgrey.smtp.test  | mailbox_accepted  | 2
            someone@tarpit.smtp.test   | smtp_unreachable  | 1
            user@nullmx.checker.test   | null_mx           | 1
            someone@blocked.smtp.test  | smtp_blocked      | 1
            """;

    private MotoStack stack;
    private FakeSmtpServer tarpit;
    private final List<SmtpProber> probers = new ArrayList<>();

    @BeforeEach
    void fresh() {
        stack = new MotoStack();
        tarpit = new FakeSmtpServer(address("127.0.0.7"), Postfix.shared().port(), c -> {
            for (char ch : "220 tarpit.test ESMTP\r\n".toCharArray()) {
                Thread.sleep(1000);
                c.send(String.valueOf(ch));
            }
        });
    }

    @AfterEach
    void close() {
        tarpit.close();
        probers.forEach(SmtpProber::close);
        stack.close();
    }

    enum Via { API, S3_KEY, UPLOAD }

    /**
     * The whole list, asked for through the API (the list itself, or {@code s3_key} naming it) or uploaded with
     * {@code smtp: true}: every address gets its
     * verdict (the greylisted one after a recheck that waited on the delay queue, with {@code tries} 2), the job
     * shows {@code rechecking} while it waits and ends {@code done}, and the results file is in input order;
     * erasing it erases the SMTP stage's ledger too.
     */
    @ParameterizedTest
    @ValueSource(strings = {"API", "S3_KEY", "UPLOAD"})
    void aSmtpJobEndsDoneWithEveryVerdictInInputOrder(Via via) throws Exception {
        AwsConfig.SmtpJobsConfig smtpJobs = smtpJobs(1);
        List<String[]> expected = LIST.lines().map(l -> l.split("\\s*\\|\\s*")).toList();
        String list = String.join("\n", expected.stream().map(e -> e[0].strip()).toList()) + "\n";
        Job split = split(switch (via) {
            case API -> viaApi(list);
            case S3_KEY -> viaS3Key(list);
            case UPLOAD -> viaUpload(list);
        }, JobWorkflow.CHUNK_RECORDS);
        assertEquals(JobStatus.RUNNING, split.status(), "an SMTP list is always split: " + split);

        AtomicBoolean sawRechecking = new AtomicBoolean();
        Api api = api();
        CompletableFuture<Integer> drained = CompletableFuture.supplyAsync(() -> drain(smtpJobs));
        Job job;
        do {
            Thread.sleep(100);
            JsonNode seen = JSON.readTree(api.handle(new Api.Request("GET", "/v1/jobs/" + split.id(), Map.of(), Map.of(),
                    null)).body());
            if (seen.get("rechecking").asInt() > 0) {
                assertEquals("running", seen.get("status").asText(), seen::toString);
                sawRechecking.set(true);
            }
            job = stack.store(stack.admin).job(split.id()).orElseThrow();
        } while (!job.finished() && !drained.isDone());
        drained.join();
        job = stack.store(stack.admin).job(split.id()).orElseThrow();
        assertEquals(JobStatus.DONE, job.status(), job.toString());
        assertEquals(expected.size(), job.total());
        assertTrue(sawRechecking.get(), "GET /v1/jobs showed the greylisted address waiting for its recheck");
        assertEquals(0, stack.smtpLedger(stack.admin).rechecking(job.id()));

        List<Map<String, String>> rows = resultsFile(job);
        assertEquals(expected.size(), rows.size(), rows::toString);
        List<String> stored = stack.store(stack.admin).results(job.id(), null, 100).results();
        for (int i = 0; i < expected.size(); i++) {
            String[] e = expected.get(i);
            assertEquals(e[0].strip(), rows.get(i).get("address"), "row " + i);
            assertEquals(e[1], rows.get(i).get("reason"), () -> "row of " + e[0] + ": " + rows);
            assertEquals(e[2], rows.get(i).get("tries"), () -> "tries of " + e[0]);
            JsonNode result = JSON.readTree(stored.get(i));
            assertEquals(e[1], result.get("reason").asText(), result::toString);
        }
        assertEquals(1, tarpit.connections(), "the tarpit is dialled once");

        // Erasing the job erases the SMTP stage's ledger too: its rows hold addresses and results.
        assertTrue(ledgerItems(job.id()) > 0);
        assertEquals(204, api.handle(new Api.Request("DELETE", "/v1/jobs/" + job.id(), Map.of(), Map.of(), null)).status());
        assertEquals(0, ledgerItems(job.id()));
    }

    /**
     * {@code smtp_data=true} (an upload's {@code smtp: data}): the job's SMTP function probes on to DATA and stops at
     * its 354. The results show the stage reached ({@code data_354} for the mailboxes accepted, {@code rcpt} for the
     * one refused there), the results file keeps input order, and Postfix's log shows each session dropped after
     * DATA with nothing queued or delivered.
     */
    @ParameterizedTest
    @ValueSource(strings = {"API", "S3_KEY", "UPLOAD"})
    void aSmtpDataJobStopsAt354(Via via) throws Exception {
        AwsConfig.SmtpJobsConfig smtpJobs = smtpJobs(1);
        List<String[]> expected = List.of(new String[] {"alice@strict.smtp.test", "mailbox_accepted", "data_354"},
                new String[] {"nobody@strict.smtp.test", "mailbox_rejected", "rcpt"},
                new String[] {"anyone@catchall.smtp.test", "accept_all", "data_354"});
        String list = String.join("\n", expected.stream().map(e -> e[0]).toList()) + "\n";
        Map<String, String> query = Map.of("smtp_data", "true");
        int mark = Postfix.shared().logMark();
        Job split = split(switch (via) {
            case API -> viaApi(list, query);
            case S3_KEY -> viaS3Key(list, query);
            case UPLOAD -> viaUpload(list, "data");
        }, JobWorkflow.CHUNK_RECORDS);
        drain(smtpJobs);
        Job job = stack.store(stack.admin).job(split.id()).orElseThrow();
        assertEquals(JobStatus.DONE, job.status(), job.toString());
        List<Map<String, String>> rows = resultsFile(job);
        List<String> stored = stack.store(stack.admin).results(job.id(), null, 10).results();
        for (int i = 0; i < expected.size(); i++) {
            String[] e = expected.get(i);
            assertEquals(e[0], rows.get(i).get("address"), "row " + i);
            assertEquals(e[1], rows.get(i).get("reason"), rows::toString);
            JsonNode result = JSON.readTree(stored.get(i));
            assertEquals(e[2], result.at("/smtp/stage").asText(), result::toString);
        }
        String log = Postfix.shared().logSince(mark);
        assertTrue(log.contains("lost connection after DATA"), "no session ended at the 354:\n" + log);
        assertEquals(List.of(), Postfix.deliveryLines(log), "Postfix queued or delivered something");
        assertTrue(Postfix.shared().queueEmpty(), "the Postfix queue is not empty");
    }

    /** An upload whose {@code smtp} metadata is none of true, data, false ends failed, saying what it takes. */
    @Test
    void anUploadAskingForAnUnknownDepthFails() throws Exception {
        Job job = split(viaUpload("alice@strict.smtp.test\n", "rcpt"), JobWorkflow.CHUNK_RECORDS);
        assertEquals(JobStatus.FAILED, job.status(), job.toString());
        assertTrue(job.error().contains("smtp: rcpt") && job.error().contains("data"), job.error());
    }

    private int ledgerItems(String job) {
        return stack.admin.dynamo().scan(b -> b.tableName(MotoStack.TABLE).filterExpression("begins_with(pk, :smtp)")
                .expressionAttributeValues(Map.of(":smtp", software.amazon.awssdk.services.dynamodb.model.AttributeValue
                        .fromS("SMTP#" + job)))).count();
    }

    /**
     * The recheck window runs from an address's first probe, not from when its item was queued: an item that
     * waited on the queue longer than the window (its provider group busy) is still rechecked once greylisted.
     */
    @Test
    void anItemThatWaitedLongerThanTheWindowIsStillRechecked() throws Exception {
        AwsConfig.SmtpJobsConfig smtpJobs = smtpJobs(1);
        Job split = split(viaUpload("alice@shortgrey.smtp.test\n"), JobWorkflow.CHUNK_RECORDS);
        QueueDrain.drain(List.of(source(stack.chunkQueue, stack.chunk, chunkHandler(smtpJobs), 5)), Duration.ofSeconds(30));
        Thread.sleep(RECHECK.window().plusSeconds(1).toMillis());
        drain(smtpJobs);
        Job job = stack.store(stack.admin).job(split.id()).orElseThrow();
        assertEquals(JobStatus.DONE, job.status(), job.toString());
        JsonNode result = JSON.readTree(stack.store(stack.admin).results(job.id(), null, 10).results().getFirst());
        assertEquals("mailbox_accepted", result.get("reason").asText(), result::toString);
        assertEquals(2, result.get("tries").asInt(), result::toString);
    }

    /**
     * Several SMTP function instances (threads, each polling as Lambda does) over one provider group: with one
     * worker per group the MX host never sees two sessions at once; with three, it sees more than one (the limit
     * is the queue's, not the drain's), never more than three.
     */
    @ParameterizedTest(name = "{0} workers per group")
    @CsvSource({"1, 1", "3, 3"})
    void atMostNWorkersProbeOneProviderGroupAtOnce(int workers, int most) throws Exception {
        AtomicInteger open = new AtomicInteger();
        AtomicInteger highest = new AtomicInteger();
        try (FakeSmtpServer counting = new FakeSmtpServer(address("127.0.0.6"), Postfix.shared().port(), c -> {
            highest.accumulateAndGet(open.incrementAndGet(), Math::max);
            try {
                c.send("220 counting.test ESMTP\r\n");
                c.serve(verb -> {
                    sleep(200); // a session takes a while: sessions run in parallel would overlap
                    return FakeSmtpServer.ordinary(verb);
                });
            } finally {
                open.decrementAndGet();
            }
        })) {
            AwsConfig.SmtpJobsConfig smtpJobs = smtpJobs(workers);
            StringBuilder list = new StringBuilder();
            for (int d = 1; d <= 6; d++) {
                list.append("someone@counted").append(d).append(".smtp.test\n");
            }
            Job split = split(viaUpload(list.toString()), JobWorkflow.CHUNK_RECORDS);
            // The chunk first, so that all six items wait on the queue when the SMTP functions start polling.
            QueueDrain.drain(List.of(source(stack.chunkQueue, stack.chunk, chunkHandler(smtpJobs), 5)), Duration.ofSeconds(30));
            List<CompletableFuture<Integer>> instances = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                instances.add(CompletableFuture.supplyAsync(() -> drain(smtpJobs)));
            }
            instances.forEach(CompletableFuture::join);
            Job job = stack.store(stack.admin).job(split.id()).orElseThrow();
            assertEquals(JobStatus.DONE, job.status(), job.toString());
            assertEquals(6, job.counts().get(dev.mailcheck.Verdict.RISKY) + job.counts().getOrDefault(
                    dev.mailcheck.Verdict.DELIVERABLE, 0L), job::toString);
            assertEquals(6, counting.connections());
            if (most == 1) {
                assertEquals(1, highest.get(), "one worker per group: never two sessions at once");
            } else {
                assertTrue(highest.get() > 1 && highest.get() <= most, "sessions at once: " + highest.get());
            }
        }
    }

    /**
     * A Lambda timeout in the middle of an item: the function has little time left, so it settles what is answered
     * by then and sends the rest back as an item of its own, holding only their positions; a later delivery checks
     * those. A delivery of an item whose addresses were all settled (the function stopped after settling, before
     * SQS deleted the message) probes nothing. Every address ends with one result, in its place, counted once.
     */
    @Test
    void aTimeoutMidItemLosesNothingAndStoresNothingTwice() throws Exception {
        AwsConfig.SmtpJobsConfig smtpJobs = smtpJobs(1);
        AtomicInteger rcpts = new AtomicInteger();
        try (FakeSmtpServer slow = new FakeSmtpServer(address("127.0.0.6"), Postfix.shared().port(), c -> {
            c.send("220 slow.test ESMTP\r\n");
            c.serve(verb -> {
                if (verb.equals("RCPT")) {
                    rcpts.incrementAndGet();
                    sleep(1000); // a second an address: a few fit before the function's time runs out
                }
                return FakeSmtpServer.ordinary(verb);
            });
        })) {
            StringBuilder list = new StringBuilder();
            for (int i = 0; i < 6; i++) {
                list.append("user").append(i).append("@counted1.smtp.test\n");
            }
            Job split = split(viaUpload(list.toString()), JobWorkflow.CHUNK_RECORDS);
            QueueDrain.drain(List.of(source(stack.chunkQueue, stack.chunk, chunkHandler(smtpJobs), 5)), Duration.ofSeconds(30));

            // The first delivery has 4 s before the handler's margin: two transactions of two addresses fit at most.
            SqsSmtpHandler handler = new SqsSmtpHandler(stage(stack.smtp, smtpJobs), dns(), data -> prober(settings(2).withData(data)));
            QueueDrain.Source first = new QueueDrain.Source(stack.smtpQueue, stack.smtp.sqs(), handler, 1,
                    Duration.ofSeconds(60), () -> new LocalContext("smtp", SqsSmtpHandler.MARGIN.plusMillis(4000)));
            assertEquals(1, QueueDrain.deliver(first));
            Set<Long> settled = stack.smtpLedger(stack.admin).settled(split.id(), 0, 0, 5);
            assertTrue(!settled.isEmpty() && settled.size() < 6, "some addresses fit, not all: " + settled);
            List<Message> back = stack.admin.sqs().receiveMessage(b -> b.queueUrl(stack.smtpQueue).visibilityTimeout(0)
                    .maxNumberOfMessages(10)).messages();
            assertEquals(1, back.size(), "the rest went back as one item");
            List<Long> sentBack = SmtpItem.fromJson(back.getFirst().body()).entries().stream()
                    .map(SmtpItem.Entry::position).toList();
            assertEquals(LongStream.range(0, 6).filter(p -> !settled.contains(p)).boxed().toList(), sentBack);
            assertEquals(JobStatus.RUNNING, stack.store(stack.admin).job(split.id()).orElseThrow().status());

            drain(smtpJobs);
            Job job = stack.store(stack.admin).job(split.id()).orElseThrow();
            assertEquals(JobStatus.DONE, job.status(), job.toString());
            assertEquals(6, job.total());
            assertEquals(6L, job.counts().get(dev.mailcheck.Verdict.RISKY), job::toString); // the fake takes any mailbox
            List<Map<String, String>> rows = resultsFile(job);
            assertEquals(6, rows.size(), rows::toString);
            for (int i = 0; i < 6; i++) {
                assertEquals("user" + i + "@counted1.smtp.test", rows.get(i).get("address"));
                assertEquals("accept_all", rows.get(i).get("reason"), rows::toString);
                assertEquals("1", rows.get(i).get("tries"));
            }

            // The first item delivered again after everything settled: nothing is probed, nothing counted twice.
            int before = rcpts.get();
            SmtpItem again = new SmtpItem(job.id(), job.resultsKey(), 0, "counted1.smtp.test",
                    "mx-counting.smtp.test", 1, System.currentTimeMillis(), 0, false, LongStream.range(0, 6)
                    .mapToObj(p -> new SmtpItem.Entry(p, "user" + p + "@counted1.smtp.test")).toList());
            SmtpProber prober = prober(settings());
            SmtpStage.Worked worked = stage(stack.smtp, smtpJobs).work(again, new Checker(dns()).withSmtp(prober)
                    .withDeadline(Duration.ofMinutes(1)), Instant.now().plusSeconds(10), "again");
            assertEquals(new SmtpStage.Worked(0, 0, 0, java.util.Optional.empty()), worked);
            assertEquals(before, rcpts.get());
        }
    }

    /**
     * A chunk delivered twice (SQS delivers at least once; or the first delivery died after opening the chunk) whose
     * DNS stage answers one domain otherwise the second time (a SERVFAIL): its job still ends. Before (found by a
     * review), the second delivery wrote that address's DNS row as settled outside the count, which kept the first
     * delivery's; the work item then found the address settled, nothing took it off, and the job stayed running.
     * Whichever answer settles first is the address's everywhere: in the results file, the job's counts and the
     * results the API reads. Before (found by a review), a second delivery coming after the work item had settled
     * the address wrote its DNS answer over the stored result, so the API said {@code dns_failure} where the file
     * said what the SMTP stage answered. The fake DNS server: NSD can't be told to fail one name on demand.
     */
    @ParameterizedTest(name = "the second delivery {0} the work items")
    @ValueSource(strings = {"before", "between"})
    void aChunkDeliveredAgainWhoseDnsAnswersOtherwiseStillEndsItsJob(String when) throws Exception {
        AtomicBoolean servfail = new AtomicBoolean();
        dev.mailcheck.testbed.FakeDnsServer.Script zone = dev.mailcheck.testbed.FakeDnsServer.zone("""
                $ORIGIN redelivery.test.
                $TTL 300
                x   MX 10 mx
                y   MX 10 mx
                mx  A  127.0.0.1
                """);
        try (dev.mailcheck.testbed.FakeDnsServer server = new dev.mailcheck.testbed.FakeDnsServer((q, t) ->
                servfail.get() && q.getQuestion().getName().toString().equals("x.redelivery.test.")
                        ? dev.mailcheck.testbed.FakeDnsServer.reply(q, org.xbill.DNS.Rcode.SERVFAIL).toWire()
                        : zone.answer(q, t))) {
            DynamoResultStore store = stack.store(stack.admin);
            List<SmtpItem> queued = new java.util.concurrent.CopyOnWriteArrayList<>();
            SmtpQueue queue = recording(queued, null);
            Job job = UploadProcessor.job("redelivered", MotoStack.BUCKET, "uploads/l.txt", JobStatus.RUNNING,
                    Instant.now()).with(JobStatus.RUNNING, dev.mailcheck.store.Tally.EMPTY, 1);
            store.putJob(job);
            dev.mailcheck.jobs.Chunk chunk = new dev.mailcheck.jobs.Chunk(job.id(), job.resultsKey(), 0, 0, List.of(
                    new dev.mailcheck.lists.InputRecords.Input("a@x.redelivery.test", null),
                    new dev.mailcheck.lists.InputRecords.Input("b@y.redelivery.test", null)),
                    dev.mailcheck.jobs.SmtpDepth.RCPT);
            // Each delivery on an instance of its own: its own resolver and cache.
            redeliveryStage(store, queue, server).process(chunk);
            assertEquals(2, queued.size(), "both domains passed the DNS stage");
            // "between": x's item settles its address first, y's keeps the job running through the second delivery.
            int first = when.equals("before") ? 0 : 1;
            work(queued.subList(0, first), store, queue, server);
            servfail.set(true);
            redeliveryStage(store, queue, server).process(chunk);
            servfail.set(false);
            work(queued.subList(first, 2), store, queue, server);
            Job after = store.job(job.id()).orElseThrow();
            assertEquals(JobStatus.DONE, after.status(), after.toString());
            List<Map<String, String>> rows = resultsFile(after);
            assertEquals(2, rows.size());
            List<String> stored = store.results(job.id(), null, 10).results();
            for (int i = 0; i < rows.size(); i++) {
                assertEquals(rows.get(i).get("reason"), JSON.readTree(stored.get(i)).get("reason").asText(),
                        "the stored result of " + rows.get(i).get("address") + " is the one in the file");
            }
            assertEquals(when.equals("before") ? "dns_failure" : "accepts_mail", rows.getFirst().get("reason"), rows::toString);
        }
    }

    /** The SMTP stage's checker stops at DNS here: each item's answer settles its addresses. */
    private void work(List<SmtpItem> items, DynamoResultStore store, SmtpQueue queue,
                      dev.mailcheck.testbed.FakeDnsServer server) {
        for (int i = 0; i < items.size(); i++) {
            redeliveryStage(store, queue, server).work(items.get(i), redeliveryChecker(server),
                    Instant.now().plusSeconds(20), "m" + i);
        }
    }

    private static Checker redeliveryChecker(dev.mailcheck.testbed.FakeDnsServer server) {
        return new Checker(new MxResolver(List.of(server.address()), Duration.ofSeconds(1), 64, true));
    }

    private SmtpStage redeliveryStage(DynamoResultStore store, SmtpQueue queue, dev.mailcheck.testbed.FakeDnsServer server) {
        S3JobFiles files = new S3JobFiles(stack.admin.s3(), MotoStack.BUCKET);
        return new SmtpStage(Functions.chunkWorker(redeliveryChecker(server), store, dev.mailcheck.jobs.JobEvents.NONE,
                files), redeliveryChecker(server), store, files, stack.smtpLedger(stack.admin), queue, Recheck.NONE,
                r -> "group");
    }

    /**
     * The count of a job's addresses waiting for a recheck when DynamoDB made a write and its reply was lost (a timeout
     * after the commit, here a 500 from a proxy in front of moto): the SDK sends the write again. Each recheck is
     * counted, and counted off, once. Before (found by a review), the count was an ADD, applied twice: GET showed 2
     * addresses waiting where 1 did, or -1 (shown as 0) while one still waited. The job's end never read it (its
     * chunks' counts change in transactions, which the SDK's request token makes safe to send again).
     */
    @ParameterizedTest(name = "the reply lost {0}")
    @ValueSource(strings = {"counting it", "counting it off"})
    void aRecheckCountedWhoseReplyIsLostCountsOnce(String lost) throws Exception {
        // The proxy sends its requests with its own Host header, which breaks their signatures.
        Moto.shared().enforceIam(false);
        try (FakeSmtpServer greylisting = new FakeSmtpServer(address("127.0.0.6"), Postfix.shared().port(), c -> {
            c.send("220 grey.test ESMTP\r\n");
            c.serve(verb -> verb.equals("RCPT") ? "451 4.7.1 Greylisted, try again later\r\n" : FakeSmtpServer.ordinary(verb));
        }); DynamoFaultProxy proxy = DynamoFaultProxy.lostReplies(Moto.shared().endpoint(), 1,
                (op, body) -> !op.endsWith(".GetItem") && !op.endsWith(".Query") && body.contains("RECHECK"))) {
            DynamoResultStore store = stack.store(stack.smtp);
            Job job = UploadProcessor.job("rechecked", MotoStack.BUCKET, "uploads/l.txt", JobStatus.RUNNING,
                    Instant.now()).with(JobStatus.RUNNING, dev.mailcheck.store.Tally.EMPTY, 1);
            store.putJob(job);
            SmtpLedger plain = stack.smtpLedger(stack.smtp);
            SmtpLedger faulty = new DynamoSmtpLedger(new Moto.Clients(proxy.endpoint(), stack.smtp.credentials()).dynamo(),
                    MotoStack.TABLE, Duration.ofDays(1));
            plain.open(job.id(), 0, 1);
            List<SmtpItem> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<SmtpItem> waiting = new java.util.concurrent.CopyOnWriteArrayList<>();
            SmtpQueue queue = recording(sent, waiting);
            boolean counting = lost.equals("counting it");
            SmtpItem item = new SmtpItem(job.id(), job.resultsKey(), 0, "counted1.smtp.test", "mx-counting.smtp.test", 1,
                    0, 0, false, List.of(new SmtpItem.Entry(0, "user0@counted1.smtp.test")));
            stage(stack.smtp, store, counting ? faulty : plain, queue).work(item, new Checker(dns())
                    .withSmtp(prober(settings())).withDeadline(Duration.ofSeconds(20)), Instant.now().plusSeconds(20), "m");
            assertEquals(1, waiting.size(), "the greylisted address waits for its recheck");
            assertEquals(1, plain.rechecking(job.id()), "addresses waiting");

            SmtpItem recheck = waiting.getFirst();
            sleep(Math.max(0, recheck.due() - System.currentTimeMillis()));
            stage(stack.smtp, store, counting ? plain : faulty, queue).due(recheck, "r");
            assertEquals(1, sent.size(), "due: on the work queue");
            assertEquals(0, plain.rechecking(job.id()), "addresses waiting");
            assertEquals(1, proxy.injected(), "one reply lost");
        }
    }

    /**
     * One worker's ban stops them all: a host that refuses the prober as block-listed trips the breaker, whose
     * state is in the table; the next item of the same provider group, probed by a fresh prober (another
     * invocation, maybe another instance), is answered {@code smtp_blocked} "not tried", without a connection.
     */
    @Test
    void aBlockSeenByOneWorkerStopsTheOthers() throws Exception {
        AwsConfig.SmtpJobsConfig smtpJobs = smtpJobs(1);
        Job split = split(viaUpload("someone@blocked.smtp.test\nsomeone@blocked2.smtp.test\n"), JobWorkflow.CHUNK_RECORDS);
        int mark = Postfix.shared().logMark();
        drain(smtpJobs);
        Job job = stack.store(stack.admin).job(split.id()).orElseThrow();
        assertEquals(JobStatus.DONE, job.status(), job.toString());
        List<String> results = stack.store(stack.admin).results(job.id(), null, 10).results();
        for (String r : results) {
            assertEquals("smtp_blocked", JSON.readTree(r).get("reason").asText(), r);
        }
        assertTrue(JSON.readTree(results.get(1)).get("detail").asText().startsWith("Not tried"), results.get(1));
        assertEquals(1, Postfix.connections(Postfix.shared().logSince(mark)), "the second domain is never dialled");
    }

    /**
     * A greylisted address's recheck whose send fails once: on the way to the recheck queue ({@code later}, after the
     * job's count of addresses waiting was raised), or on the way back to the work queue when it comes due ({@code
     * send}, around the count going down). The delivery is retried and the job ends {@code done}; the count ends at
     * 0, neither raised twice for one recheck nor taken off twice.
     */
    @ParameterizedTest
    @ValueSource(strings = {"later", "send"})
    void aRecheckWhoseSendFailsOnceLeavesTheCountRight(String failing) throws Exception {
        AwsConfig.SmtpJobsConfig smtpJobs = smtpJobs(1);
        Job split = split(viaUpload("alice@shortgrey.smtp.test\n"), JobWorkflow.CHUNK_RECORDS);
        SqsSmtpQueue sqs = new SqsSmtpQueue(stack.smtp.sqs(), smtpJobs);
        AtomicBoolean failed = new AtomicBoolean();
        SmtpQueue flaky = new SmtpQueue() {
            @Override
            public void send(SmtpItem item, String salt) {
                if (failing.equals("send") && item.tries() > 1 && !failed.getAndSet(true)) {
                    throw new IllegalStateException("SQS refused the send, once");
                }
                sqs.send(item, salt);
            }

            @Override
            public void later(SmtpItem item, Duration delay) {
                if (failing.equals("later") && !failed.getAndSet(true)) {
                    throw new IllegalStateException("SQS refused the send, once");
                }
                sqs.later(item, delay);
            }
        };
        drain(smtpJobs, new SqsSmtpHandler(stage(stack.smtp, stack.store(stack.smtp), flaky), dns(),
                data -> prober(settings().withData(data))));
        assertTrue(failed.get(), "the send failed once");
        Job job = stack.store(stack.admin).job(split.id()).orElseThrow();
        assertEquals(JobStatus.DONE, job.status(), job.toString());
        JsonNode result = JSON.readTree(stack.store(stack.admin).results(job.id(), null, 10).results().getFirst());
        assertEquals("mailbox_accepted", result.get("reason").asText(), result::toString);
        assertEquals(0, stack.smtpLedger(stack.admin).rechecking(job.id()), "addresses counted as waiting");
    }

    /**
     * The shared breaker is asked before every address and session; an item of 20 addresses reads it from the table
     * about once (within {@link DynamoBreakerState#FRESH_FOR}), not once or twice per address, counted by an SDK
     * interceptor on the breaker's client.
     */
    @Test
    void theSharedBreakerIsReadAboutOncePerItem() throws Exception {
        AwsConfig.SmtpJobsConfig smtpJobs = smtpJobs(1);
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            list.append("user").append(i).append("@catchall.smtp.test\n");
        }
        Job split = split(viaUpload(list.toString()), JobWorkflow.CHUNK_RECORDS);
        java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
        software.amazon.awssdk.services.dynamodb.DynamoDbClient counted = software.amazon.awssdk.services.dynamodb
                .DynamoDbClient.builder().endpointOverride(stack.smtp.endpoint())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1).credentialsProvider(stack.smtp.credentials())
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                        if (context.request() instanceof GetItemRequest get
                                && get.key().get("pk").s().startsWith("BREAKER#")) {
                            reads.incrementAndGet();
                        }
                    }
                })).build();
        drain(smtpJobs, new SqsSmtpHandler(stage(stack.smtp, smtpJobs), dns(),
                data -> prober(settings().withData(data), counted)));
        Job job = stack.store(stack.admin).job(split.id()).orElseThrow();
        assertEquals(JobStatus.DONE, job.status(), job.toString());
        assertEquals(20L, job.counts().get(dev.mailcheck.Verdict.RISKY), job::toString);
        System.out.println("breaker reads from DynamoDB for one item of 20 addresses: " + reads.get());
        assertTrue(reads.get() >= 1 && reads.get() <= 3, "breaker reads: " + reads.get());
    }

    /**
     * An SMTP work item that fails every delivery (here its ledger always refuses it) goes to its dead-letter
     * queue after five receives; the failure function answers its addresses as not tried (their DNS stage passed,
     * the SMTP stage given up on), so the results file still has one row per input record, in order, the rest of
     * the chunk's rows with them; the job ends {@code partial}, counting the address not checked, its error naming
     * the domain. The list in one chunk, and in chunks of one record (the given-up item then is a chunk's only one).
     */
    @ParameterizedTest(name = "{0} records per chunk")
    @ValueSource(ints = {1, JobWorkflow.CHUNK_RECORDS})
    void aDeadLetteredItemEndsItsJobPartial(int chunkRecords) throws Exception {
        AwsConfig.SmtpJobsConfig smtpJobs = smtpJobs(1);
        Job split = split(viaUpload("alice@strict.smtp.test\nanyone@catchall.smtp.test\nuser@nullmx.checker.test\n"),
                chunkRecords);
        SmtpLedger ledger = stack.smtpLedger(stack.smtp);
        SmtpLedger broken = (SmtpLedger) java.lang.reflect.Proxy.newProxyInstance(SmtpLedger.class.getClassLoader(),
                new Class<?>[] {SmtpLedger.class}, (proxy, method, args) -> {
                    if (method.getName().equals("settle") && args[2] instanceof List<?> answers
                            && answers.stream().anyMatch(a -> ((SmtpLedger.Settled) a).position() == 1)) {
                        throw new IllegalStateException("this item always fails");
                    }
                    try {
                        return method.invoke(ledger, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        drain(smtpJobs, new SqsSmtpHandler(stage(stack.smtp, stack.store(stack.smtp), broken,
                new SqsSmtpQueue(stack.smtp.sqs(), smtpJobs)), dns(), data -> prober(settings().withData(data))));
        Job job = stack.store(stack.admin).job(split.id()).orElseThrow();
        assertEquals(JobStatus.PARTIAL, job.status(), job.toString());
        assertEquals(1L, job.notChecked());
        assertEquals(2L, job.total(), job::toString);
        assertTrue(job.error().contains("catchall.smtp.test") && job.error().contains("dead-letter"), job.error());
        List<Map<String, String>> rows = resultsFile(job);
        assertEquals(List.of("alice@strict.smtp.test", "anyone@catchall.smtp.test", "user@nullmx.checker.test"),
                rows.stream().map(r -> r.get("address")).toList());
        assertEquals(List.of("mailbox_accepted", "unverifiable", "null_mx"),
                rows.stream().map(r -> r.get("reason")).toList(), rows::toString);
        assertTrue(rows.get(1).get("detail").startsWith("Not tried") && rows.get(1).get("mx").contains("mx-catchall"),
                rows::toString);
        List<String> stored = stack.store(stack.admin).results(job.id(), null, 10).results();
        assertEquals(3, stored.size(), stored::toString);
        assertEquals("unverifiable", JSON.readTree(stored.get(1)).get("reason").asText(), stored.get(1));
    }

    /**
     * What a job costs on AWS, counted call by call under moto (docs/aws.md extrapolates these to a million
     * addresses): the same 130 addresses over 7 domains, in chunks of 50, DNS-only and with the SMTP stage. The
     * SMTP stage adds one FIFO message and one invocation per (chunk, domain), one settle transaction per item of
     * up to 49 addresses, and a ledger row per address; results are written in those transactions.
     */
    @Test
    void whatAJobCostsCallByCall() throws Exception {
        try (FakeSmtpServer accepting = new FakeSmtpServer(address("127.0.0.6"), Postfix.shared().port(), c -> {
            c.send("220 accepting.test ESMTP\r\n");
            c.serve(FakeSmtpServer::ordinary);
        })) {
            StringBuilder list = new StringBuilder();
            for (int i = 0; i < 130; i++) {
                list.append(i % 13 == 12 ? "user" + i + "@nullmx.checker.test"
                        : i % 13 >= 10 ? "user" + i + "@catchall.smtp.test"
                        : "user" + i + "@counted" + (1 + i % 5) + ".smtp.test").append('\n');
            }
            Map<String, Map<String, Long>> costs = new java.util.LinkedHashMap<>();
            for (boolean smtp : List.of(false, true)) {
                AwsConfig.SmtpJobsConfig smtpJobs = smtpJobs(1);
                String key = "uploads/cost-" + UUID.randomUUID() + ".txt";
                String etag = stack.admin.s3().putObject(b -> b.bucket(MotoStack.BUCKET).key(key)
                        .metadata(smtp ? Map.of("smtp", "true") : Map.of()),
                        software.amazon.awssdk.core.sync.RequestBody.fromString(list.toString())).eTag();
                Moto.resetCalls();
                // DNS-only lists this short are checked in the upload function; split both alike to compare.
                Job split = new UploadProcessor(new AwsConfig(MotoStack.TABLE, List.of(Nsd.shared().address()),
                        Duration.ofSeconds(3), Duration.ofDays(1), List.of(), MotoStack.BUCKET, stack.chunkQueue, 0,
                        settings(), false, "default", Pacing.off(), 0, false), true, MotoStack.checker(), stack.upload.s3(), stack.upload.sqs(),
                        stack.store(stack.upload), stack.events(stack.upload), 50).process(MotoStack.BUCKET, key, etag);
                drain(smtpJobs);
                Job job = stack.store(stack.admin).job(split.id()).orElseThrow();
                assertEquals(JobStatus.DONE, job.status(), job.toString());
                assertEquals(130, job.total());
                Map<String, Long> calls = new java.util.TreeMap<>(Moto.calls());
                // the drain's own look at the queues (Lambda's pollers don't): ReceiveMessage stays, empty polls too
                calls.remove("Sqs:GetQueueAttributes");
                costs.put(smtp ? "smtp" : "dns", calls);
            }
            // 3 chunks of 50/50/30; the SMTP domains of each chunk: counted1..5 and catchall = 6 items a chunk
            Map<String, Long> dns = costs.get("dns");
            Map<String, Long> smtp = costs.get("smtp");
            assertEquals(3L, dns.get("Sqs:SendMessage"), dns::toString);
            assertEquals(3L + 18L, smtp.get("Sqs:SendMessage"), smtp::toString);
            // one per item, and one per chunk for the rows the DNS stage ended, which settle as answers do
            assertEquals(18L + 3L, smtp.get("DynamoDb:TransactWriteItems"), smtp::toString);
            assertEquals(null, smtp.get("DynamoDb:BatchWriteItem"), smtp::toString);
            System.out.println("calls of one job of 130 addresses, 7 domains, 3 chunks: DNS-only " + dns + "; with SMTP " + smtp);
        }
    }

    // --- the functions, each with its role's clients ---

    private AwsConfig.SmtpJobsConfig smtpJobs(int workers) {
        return new AwsConfig.SmtpJobsConfig(stack.smtpQueue, stack.recheckQueue, workers, RECHECK.window());
    }

    private AwsConfig config() {
        return new AwsConfig(MotoStack.TABLE, List.of(Nsd.shared().address()), Duration.ofSeconds(3), Duration.ofDays(1),
                List.of(), MotoStack.BUCKET, stack.chunkQueue, 20_000, settings(), false, "default", Pacing.off(), 0, false);
    }

    /** postgrey remembers (client, sender, recipient): a sender of its own makes each test's first try new. */
    private final String mailFrom = "job-" + UUID.randomUUID() + "@checker.test";

    private SmtpSettings settings() {
        return settings(50);
    }

    private SmtpSettings settings(int rcptsPerTransaction) {
        return SmtpSettings.defaults().withHelo("prober.test").withMailFrom(mailFrom).withPort(Postfix.shared().port())
                .withStarttls(false).withTimeouts(Map.of(Stage.GREETING, Duration.ofSeconds(2)))
                .withRcptsPerTransaction(rcptsPerTransaction);
    }

    /** A prober as the SMTP function makes one: no linger, the breaker's state and budgets in DynamoDB. */
    private SmtpProber prober(SmtpSettings settings) {
        return prober(settings, stack.smtp.dynamo());
    }

    /** @param breaker the client the breaker's state is read and written with */
    private SmtpProber prober(SmtpSettings settings, software.amazon.awssdk.services.dynamodb.DynamoDbClient breaker) {
        SmtpProber prober = new SmtpProber(settings.withoutLinger(), Pacing.off().withBreaker(true,
                Pacing.DEFAULT_COOL_DOWN), new DynamoBreakerState(breaker, MotoStack.TABLE),
                new DynamoRateBudget(stack.smtp.dynamo(), MotoStack.TABLE), java.time.InstantSource.system());
        probers.add(prober);
        return prober;
    }

    private static MxResolver dns;

    private static synchronized MxResolver dns() {
        if (dns == null) {
            dns = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), MxResolver.DEFAULT_MAX_IN_FLIGHT,
                    true);
        }
        return dns;
    }

    /** The upload function on a job's list (what S3's event would start), in chunks of {@code chunkRecords}. */
    private Job split(Job queued, int chunkRecords) {
        String key = queued.source().substring(("s3://" + MotoStack.BUCKET + "/").length());
        String etag = stack.admin.s3().headObject(b -> b.bucket(MotoStack.BUCKET).key(key)).eTag();
        return new UploadProcessor(config(), true, MotoStack.checker(), stack.upload.s3(), stack.upload.sqs(),
                stack.store(stack.upload), stack.events(stack.upload), chunkRecords).process(MotoStack.BUCKET, key, etag);
    }

    private Api api() {
        return new Api(MotoStack.checker(), null, stack.store(stack.api), new S3Jobs(stack.api.s3(), MotoStack.BUCKET,
                stack.store(stack.api), stack.smtpLedger(stack.api), erasure(stack.api), ApiHandler.ERASE_FOR), List.of());
    }

    /** Erasures as ApiFunction and the chunk function run them (SMTP jobs on: the ledger goes too). */
    private Erasure erasure(Moto.Clients as) {
        return new Erasure(as.s3(), MotoStack.BUCKET, stack.store(as), stack.smtpLedger(as), as::sqs, stack.chunkQueue);
    }

    private Job viaApi(String list) throws Exception {
        return viaApi(list, Map.of("smtp", "true"));
    }

    private Job viaApi(String list, Map<String, String> query) throws Exception {
        Api.Response r = api().handle(new Api.Request("POST", "/v1/jobs", query,
                Map.of("content-type", "text/plain"), list));
        assertEquals(202, r.status(), r.body());
        return stack.store(stack.admin).job(JSON.readTree(r.body()).get("id").asText()).orElseThrow();
    }

    /** A list waiting under incoming/, named by {@code POST /v1/jobs?smtp=true {"s3_key": ...}}. */
    private Job viaS3Key(String list) throws Exception {
        return viaS3Key(list, Map.of("smtp", "true"));
    }

    private Job viaS3Key(String list, Map<String, String> query) throws Exception {
        String key = "incoming/smtp-" + UUID.randomUUID() + ".txt";
        stack.admin.s3().putObject(b -> b.bucket(MotoStack.BUCKET).key(key),
                software.amazon.awssdk.core.sync.RequestBody.fromString(list));
        Api.Response r = api().handle(new Api.Request("POST", "/v1/jobs", query,
                Map.of("content-type", "application/json"), "{\"s3_key\": \"" + key + "\"}"));
        assertEquals(202, r.status(), r.body());
        return stack.store(stack.admin).job(JSON.readTree(r.body()).get("id").asText()).orElseThrow();
    }

    /** A list put under uploads/ with {@code x-amz-meta-smtp: true}, as `aws s3 cp --metadata smtp=true` does. */
    private Job viaUpload(String list) {
        return viaUpload(list, "true");
    }

    /** {@code smtp}: the metadata's value ({@code data} for the 354 stage). */
    private Job viaUpload(String list, String smtp) {
        String key = "uploads/smtp-" + UUID.randomUUID() + ".txt";
        String etag = stack.admin.s3().putObject(b -> b.bucket(MotoStack.BUCKET).key(key).metadata(Map.of("smtp", smtp)),
                software.amazon.awssdk.core.sync.RequestBody.fromString(list)).eTag();
        String id = UploadProcessor.jobId(MotoStack.BUCKET, key, etag);
        return UploadProcessor.job(id, MotoStack.BUCKET, key, JobStatus.QUEUED, java.time.Instant.now());
    }

    private SmtpStage stage(Moto.Clients as, AwsConfig.SmtpJobsConfig smtpJobs) {
        return stage(as, stack.store(as), new SqsSmtpQueue(as.sqs(), smtpJobs));
    }

    private SmtpStage stage(Moto.Clients as, ResultStore store, SmtpQueue queue) {
        return stage(as, store, stack.smtpLedger(as), queue);
    }

    private SmtpStage stage(Moto.Clients as, ResultStore store, SmtpLedger ledger, SmtpQueue queue) {
        return new SmtpStage(Functions.chunkWorker(MotoStack.checker(), store, stack.events(as),
                new S3JobFiles(as.s3(), MotoStack.BUCKET)), MotoStack.checker(), store,
                new S3JobFiles(as.s3(), MotoStack.BUCKET), ledger, queue, RECHECK, Functions::providerGroup);
    }

    private SqsChunkHandler chunkHandler(AwsConfig.SmtpJobsConfig smtpJobs) {
        return new SqsChunkHandler(stage(stack.chunk, smtpJobs)::process, erasure(stack.chunk));
    }

    /** The SMTP function: a prober per item, its block breaker and budgets in the table (shared by all workers). */
    private SqsSmtpHandler smtpHandler(AwsConfig.SmtpJobsConfig smtpJobs) {
        return new SqsSmtpHandler(stage(stack.smtp, smtpJobs), dns(), data -> prober(settings().withData(data)));
    }

    private FailureHandler failureHandler(AwsConfig.SmtpJobsConfig smtpJobs) {
        return new FailureHandler(new UploadProcessor(config(), true, MotoStack.checker(), stack.failures.s3(), null,
                stack.store(stack.failures), stack.events(stack.failures), JobWorkflow.CHUNK_RECORDS),
                Functions.chunkWorker(MotoStack.checker(), stack.store(stack.failures), stack.events(stack.failures),
                        new S3JobFiles(stack.failures.s3(), MotoStack.BUCKET)), stage(stack.failures, smtpJobs)::giveUp);
    }

    private QueueDrain.Source source(String queue, Moto.Clients as,
                                     com.amazonaws.services.lambda.runtime.RequestHandler<
                                             com.amazonaws.services.lambda.runtime.events.SQSEvent,
                                             com.amazonaws.services.lambda.runtime.events.SQSBatchResponse> handler,
                                     int batch) {
        return new QueueDrain.Source(queue, as.sqs(), handler, batch, Duration.ofSeconds(60),
                () -> new LocalContext("test", Duration.ofMinutes(15)));
    }

    /** One SMTP function instance (and the chunk and failure functions) polling until the queues are empty. */
    private int drain(AwsConfig.SmtpJobsConfig smtpJobs) {
        return drain(smtpJobs, smtpHandler(smtpJobs));
    }

    private int drain(AwsConfig.SmtpJobsConfig smtpJobs, SqsSmtpHandler smtp) {
        FailureHandler failures = failureHandler(smtpJobs);
        try {
            return QueueDrain.drain(List.of(source(stack.chunkQueue, stack.chunk, chunkHandler(smtpJobs), 5),
                    source(stack.smtpQueue, stack.smtp, smtp, 10), source(stack.recheckQueue, stack.smtp, smtp, 10),
                    source(stack.smtpDeadLetterQueue, stack.failures, failures, 10),
                    source(stack.recheckDeadLetterQueue, stack.failures, failures, 10)), Duration.ofSeconds(120));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Map<String, String>> resultsFile(Job job) throws Exception {
        String csv = stack.admin.s3().getObjectAsBytes(b -> b.bucket(MotoStack.BUCKET).key(job.resultsKey())).asUtf8String();
        try (MappingIterator<Map<String, String>> rows = new CsvMapper().readerForMapOf(String.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(csv)) {
            return rows.readAll();
        }
    }

    private static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A queue that keeps what is sent in {@code sent} and rechecks in {@code later} (none expected when null). */
    private static SmtpQueue recording(List<SmtpItem> sent, List<SmtpItem> later) {
        return new SmtpQueue() {
            @Override
            public void send(SmtpItem item, String salt) {
                sent.add(item);
            }

            @Override
            public void later(SmtpItem item, Duration delay) {
                if (later == null) {
                    throw new AssertionError("no rechecks here");
                }
                later.add(item);
            }
        };
    }
}
