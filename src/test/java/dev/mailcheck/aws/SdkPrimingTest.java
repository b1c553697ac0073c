package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.sun.net.httpserver.HttpServer;
import dev.mailcheck.api.SmtpCodes;
import dev.mailcheck.cli.LocalContext;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.jobs.Chunk;
import dev.mailcheck.jobs.SmtpItem;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.testbed.Moto;
import dev.mailcheck.testbed.Nsd;
import dev.mailcheck.testbed.Postfix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@link SdkPriming}, the hook SnapStart runs before its snapshot, against moto with each function's IAM
 * policies from the template: every client gets an answer (its role's refusal counts: the path is primed),
 * nothing is written, and no connection it opened stays open. And what it buys, measured in a JVM of its
 * own so that no class is loaded already: the first real calls after priming load far fewer classes.
 */
class SdkPrimingTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # function | how each priming request ends, as moto answers with the function's policies (a 403 is its
            #          | role's refusal: uploads/ is the upload function's to read, the chunk queue's attributes
            #          | the chunk function's, describing the bus no one's)
            upload     | s3 404 NoSuchKey, dynamodb ok, sqs 403, events 403, s3 rehearsed, dynamodb rehearsed, sqs rehearsed, events rehearsed
            chunk      | s3 403 AccessDenied, dynamodb ok, sqs ok, events 403, s3 rehearsed, dynamodb rehearsed, sqs rehearsed, events rehearsed
            failures   | s3 403 AccessDenied, dynamodb ok, sqs 403, events 403, s3 rehearsed, dynamodb rehearsed, sqs rehearsed, events rehearsed
            smtp       | s3 403 AccessDenied, dynamodb ok, sqs 403, events 403, s3 rehearsed, dynamodb rehearsed, sqs rehearsed, events rehearsed
            """)
    void primesEveryClientAndWritesNothing(String function, String outcomes) throws Exception {
        try (MotoStack stack = new MotoStack()) {
            Moto.Clients as = switch (function) {
                case "upload" -> stack.upload;
                case "chunk" -> stack.chunk;
                case "smtp" -> stack.smtp;
                default -> stack.failures;
            };
            stack.admin.s3().putObject(b -> b.bucket(MotoStack.BUCKET).key("uploads/list.csv"), RequestBody.fromString("a@b.c\n"));
            AwsConfig config = config(stack.chunkQueue);
            SdkPriming priming = SdkPriming.of(config, as.s3(), as.dynamo(), as.sqs(), as.events());
            Map<String, Object> before = state(stack);
            Set<Long> open = socketsTo(Moto.shared().endpoint().getPort());

            priming.beforeCheckpoint(null);
            List<String> ended = priming.prime().stream().map(o -> o.replaceAll(" in \\d+ ms$", "")).toList();

            assertEquals(outcomes, String.join(", ", ended), function);
            assertEquals(before, state(stack), function + ": priming wrote nothing");
            Set<Long> left = socketsTo(Moto.shared().endpoint().getPort());
            left.removeAll(open);
            assertEquals(Set.of(), left, function + ": no connection priming opened is left for a snapshot to hold");
        }
    }

    /**
     * Moto closes every connection after its answer, so the test above would pass however priming asked. This
     * stand-in (the JDK's HTTP server, named as a fake) keeps HTTP/1.1 connections open as AWS's endpoints do,
     * answering each request with a refusal.
     */
    @Test
    void leavesNoConnectionOpenWhereTheServerWouldKeepIt() throws Exception {
        HttpServer keepsAlive = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        keepsAlive.createContext("/", exchange -> {
            byte[] body = "{\"__type\": \"AccessDeniedException\", \"message\": \"no\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(403, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        keepsAlive.start();
        try {
            int port = keepsAlive.getAddress().getPort();
            Moto.Clients fake = new Moto.Clients(URI.create("http://127.0.0.1:" + port),
                    StaticCredentialsProvider.create(AwsBasicCredentials.create(Moto.ACCESS_KEY, Moto.ACCESS_KEY)));
            AwsConfig config = config("http://127.0.0.1:" + port + "/123456789012/chunks");
            SdkPriming priming = SdkPriming.of(config, fake.s3(), fake.dynamo(), fake.sqs(), fake.events());

            List<String> ended = priming.prime().stream().map(o -> o.replaceAll(" in \\d+ ms$", "")).toList();

            assertEquals("s3 403, dynamodb 403 AccessDeniedException, sqs 403 AccessDeniedException, events 403"
                    + " AccessDeniedException, s3 rehearsed, dynamodb rehearsed, sqs rehearsed, events rehearsed", String.join(", ", ended));
            assertEquals(Set.of(), socketsTo(port), "connections left open");
        } finally {
            keepsAlive.stop(0);
        }
    }

    /** An endpoint that takes connections and never answers: priming gives up within its budget, for all clients. */
    @Test
    void givesUpOnASilentEndpointWithinItsBudget() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String endpoint = "http://127.0.0.1:" + silent.getLocalPort();
            Moto.Clients fake = new Moto.Clients(URI.create(endpoint),
                    StaticCredentialsProvider.create(AwsBasicCredentials.create(Moto.ACCESS_KEY, Moto.ACCESS_KEY)));
            AwsConfig config = config(endpoint + "/123456789012/chunks");
            SdkPriming priming = SdkPriming.of(config, fake.s3(), fake.dynamo(), fake.sqs(), fake.events());
            long start = System.nanoTime();

            List<String> ended = priming.prime().stream().map(o -> o.replaceAll(" in \\d+ ms$", "")).toList();

            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertEquals("s3 no answer, dynamodb skipped: out of time, sqs skipped: out of time, events skipped: out of time"
                    + ", s3 rehearsed, dynamodb rehearsed, sqs rehearsed, events rehearsed", String.join(", ", ended),
                    "the first request waits out the budget, the rest are not sent; the rehearsals in this process run");
            assertTrue(took.compareTo(SdkPriming.BUDGET.plusMillis(500)) < 0, "took " + took);
        }
    }

    /** The job functions' configuration as the template sets it: the table, the bucket, this chunk queue, a bus. */
    private static AwsConfig config(String chunkQueue) {
        return AwsConfig.from(Map.of("TABLE_NAME", MotoStack.TABLE, "UPLOAD_BUCKET", MotoStack.BUCKET,
                "CHUNK_QUEUE_URL", chunkQueue, "EVENT_BUS_NAME", "default", "DNS_SERVERS", "127.0.0.1:9"));
    }

    /** The bucket's keys, the table's items and each queue's messages, as the test's admin sees them. */
    private static Map<String, Object> state(MotoStack stack) {
        Map<String, Object> state = new HashMap<>();
        state.put("objects", stack.admin.s3().listObjectsV2(b -> b.bucket(MotoStack.BUCKET)).contents().stream()
                .map(o -> o.key() + " " + o.eTag()).toList());
        state.put("items", stack.admin.dynamo().scan(b -> b.tableName(MotoStack.TABLE)).items());
        for (String queue : List.of(stack.chunkQueue, stack.deadLetterQueue, stack.failureQueue)) {
            state.put(queue, stack.admin.sqs().getQueueAttributes(b -> b.queueUrl(queue).attributeNames(
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes());
        }
        return state;
    }

    /** The inodes of this process's established TCP connections, to any port. */
    private static Set<Long> establishedConnections() throws IOException {
        return socketsTo(-1);
    }

    /** The inodes of this process's established TCP connections to {@code port} (-1: any) on loopback. */
    private static Set<Long> socketsTo(int port) throws IOException {
        Set<Long> mine = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    Matcher m = Pattern.compile("socket:\\[(\\d+)]").matcher(Files.readSymbolicLink(fd).toString());
                    if (m.matches()) {
                        mine.add(Long.parseLong(m.group(1)));
                    }
                } catch (IOException gone) {
                    // closed while listed
                }
            }
        }
        Set<Long> found = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                int remotePort = Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16);
                long inode = Long.parseLong(f[9]);
                if ((port < 0 || remotePort == port) && f[3].equals("01") && mine.contains(inode)) {
                    found.add(inode);
                }
            }
        }
        return found;
    }

    @Test
    void theFirstRealCallsAfterPrimingLoadFarFewerClasses() throws Exception {
        Moto moto = Moto.shared();
        moto.enforceIam(false);
        moto.reset();
        moto.dynamo().createTable(DynamoResultStore.tableDefinition(MotoStack.TABLE));
        moto.s3().createBucket(b -> b.bucket(MotoStack.BUCKET));
        moto.s3().putObject(b -> b.bucket(MotoStack.BUCKET).key("uploads/list.csv"), RequestBody.fromString("a@b.c\n"));
        String queue = moto.sqs().createQueue(b -> b.queueName("chunks")).queueUrl();

        int unprimed = firstCallClasses(moto, queue, false);
        int primed = firstCallClasses(moto, queue, true);

        assertTrue(unprimed > 500, "the unprimed first calls load the SDK's request path: " + unprimed);
        assertTrue(primed * 20 < unprimed, "primed " + primed + " classes, unprimed " + unprimed);
    }

    /** Runs {@link FirstCalls} in a JVM of its own, as the upload function's environment; its class count. */
    private static int firstCallClasses(Moto moto, String queue, boolean primed) throws Exception {
        // The resolver is built, never asked: the discard port on loopback.
        String out = child(FirstCalls.class, primed, Map.of("TABLE_NAME", MotoStack.TABLE, "UPLOAD_BUCKET", MotoStack.BUCKET,
                "CHUNK_QUEUE_URL", queue, "DNS_SERVERS", "127.0.0.1:9"));
        Matcher m = Pattern.compile("first calls loaded (\\d+) classes").matcher(out);
        assertTrue(m.find(), out);
        return Integer.parseInt(m.group(1));
    }

    /** Runs {@code main} in a JVM of its own with moto's and this environment, primed or not; its output. */
    private static String child(Class<?> main, boolean primed, Map<String, String> env) throws Exception {
        ProcessBuilder child = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                System.getProperty("java.class.path"), main.getName(), String.valueOf(primed));
        child.environment().putAll(Moto.shared().environment());
        child.environment().putAll(env);
        child.environment().remove("JAVA_TOOL_OPTIONS");
        child.redirectErrorStream(true);
        Process p = child.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    /**
     * The upload function's INIT (its clients built, then primed if args[0] says so), then its first real calls:
     * a job read from DynamoDB, the upload read from S3, a chunk sent to SQS. Prints the classes they loaded.
     */
    static final class FirstCalls {

        public static void main(String[] args) throws IOException {
            Functions functions = Functions.environment();
            functions.uploads();
            if (Boolean.parseBoolean(args[0])) {
                functions.priming().beforeCheckpoint(null);
            }
            var classes = ManagementFactory.getClassLoadingMXBean();
            long before = classes.getTotalLoadedClassCount();
            functions.aws().store().job("s3-no-such-job");
            try (var in = functions.aws().s3().getObject(b -> b.bucket(MotoStack.BUCKET).key("uploads/list.csv"))) {
                in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            functions.sqs().sendMessage(b -> b.queueUrl(System.getenv("CHUNK_QUEUE_URL")).messageBody("{}"));
            System.out.println("first calls loaded " + (classes.getTotalLoadedClassCount() - before) + " classes");
        }
    }
    /**
     * The chunk and SMTP functions' first event rehearsed ({@link FirstEvent}) sends nothing anywhere: the resolver
     * asks no DNS server (its one server, a socket of this test's, receives nothing), no connection is opened (SMTP
     * or other), and the results go to the rehearsal's HTTP client in this process, which answers them.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"chunk", "smtp"})
    void rehearsingTheFirstEventSendsNothing(String function) throws Exception {
        try (DatagramSocket dnsServer = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             MxResolver dns = new MxResolver(List.of((InetSocketAddress) dnsServer.getLocalSocketAddress()),
                     Duration.ofSeconds(1), MxResolver.DEFAULT_MAX_IN_FLIGHT, false);
             DynamoDbClient rehearsal = Rehearsal.dynamoClient()) {
            Checker checker = new Checker(dns);
            ResultStore store = new DynamoResultStore(rehearsal, "priming", Duration.ofDays(1), SmtpCodes::link);
            Set<Long> open = establishedConnections();
            long answered = Rehearsal.ANSWERED.get();

            if (function.equals("chunk")) {
                FirstEvent.chunk(checker, store);
            } else {
                FirstEvent.smtp(checker, store);
            }

            assertEquals(0, dns.mxQueries() + dns.addressQueries(), "DNS queries");
            dnsServer.setSoTimeout(200);
            assertThrows(SocketTimeoutException.class, () -> dnsServer.receive(new DatagramPacket(new byte[512], 512)),
                    "a packet reached the DNS server");
            Set<Long> opened = establishedConnections();
            opened.removeAll(open);
            assertEquals(Set.of(), opened, "connections opened");
            assertTrue(Rehearsal.ANSWERED.get() - answered >= 2, "the store's read and write were answered in process");
            assertEquals(FirstEvent.SETTLED_BY_SYNTAX, Chunk.fromJson(FirstEvent.CHUNK).records().stream()
                    .map(InputRecords.Input::value).toList(), "the chunk rehearsed holds only addresses syntax settles");
        }
    }

    /**
     * What priming buys the SMTP function, measured as {@link #theFirstRealCallsAfterPrimingLoadFarFewerClasses}
     * measures the upload function's: its INIT (the handler built as LambdaInit builds it), primed or not, then a real
     * work item from the FIFO queue (alice at the strict domain: NSD's MX answer, Postfix's STARTTLS and RCPT, the
     * ledger's transaction, the rate budget in the table). The item is settled either way.
     */
    @Test
    void theFirstSmtpItemAfterPrimingLoadsFarFewerClasses() throws Exception {
        Moto moto = Moto.shared();
        moto.enforceIam(false);
        moto.reset();
        moto.dynamo().createTable(DynamoResultStore.tableDefinition(MotoStack.TABLE));
        moto.s3().createBucket(b -> b.bucket(MotoStack.BUCKET));
        String chunks = moto.sqs().createQueue(b -> b.queueName("chunks")).queueUrl();
        String smtpQueue = moto.sqs().createQueue(b -> b.queueName("smtp.fifo")
                .attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true"))).queueUrl();
        String rechecks = moto.sqs().createQueue(b -> b.queueName("rechecks")).queueUrl();
        Instant now = Instant.now();
        DynamoResultStore store = new DynamoResultStore(moto.dynamo(), MotoStack.TABLE, Duration.ofDays(1), SmtpCodes::link);
        DynamoSmtpLedger ledger = new DynamoSmtpLedger(moto.dynamo(), MotoStack.TABLE, Duration.ofDays(1));
        Map<String, String> env = new HashMap<>(Map.of("TABLE_NAME", MotoStack.TABLE, "UPLOAD_BUCKET", MotoStack.BUCKET,
                "CHUNK_QUEUE_URL", chunks, "DNS_SERVERS", Nsd.shared().address().getHostString() + ":"
                        + Nsd.shared().address().getPort(), "SMTP_ENABLED", "true", "SMTP_PORT",
                String.valueOf(Postfix.shared().port()), "SMTP_ALLOW_PRIVATE_MX", "true", "SMTP_QUEUE_URL", smtpQueue,
                "RECHECK_QUEUE_URL", rechecks));
        int[] loaded = new int[2];
        for (int primed = 0; primed < 2; primed++) {
            // A job of its own each time, its chunk open with the item's address pending.
            String job = "s3-priming" + primed;
            store.putJob(new Job(job, "s3://" + MotoStack.BUCKET + "/uploads/list.csv", JobStatus.RUNNING, 1, Map.of(), now,
                    now, "results/list.csv", 1));
            ledger.open(job, 0, 1);
            env.put("ITEM", new SmtpItem(job, "results/list.csv", 0, "strict.smtp.test", "strict.smtp.test", 1, 0, 0, false,
                    List.of(new SmtpItem.Entry(0, "alice@strict.smtp.test"))).toJson());
            String out = child(FirstSmtpItem.class, primed == 1, env);
            assertTrue(out.contains("1 settled"), out);
            Matcher m = Pattern.compile("first item loaded (\\d+) classes").matcher(out);
            assertTrue(m.find(), out);
            loaded[primed] = Integer.parseInt(m.group(1));
            assertEquals(1, ledger.settled(job, 0, 0, 0).size(), out);
        }
        assertTrue(loaded[0] > 1000, "the unprimed first item loads the SDK's, Jackson's, TLS's classes: " + loaded[0]);
        assertTrue(loaded[1] * 3 < loaded[0], "primed " + loaded[1] + " classes, unprimed " + loaded[0]);
    }

    /**
     * The SMTP function's INIT as LambdaInit runs it (the handler built, then primed if args[0] says so), then one
     * work item from the FIFO queue (the environment's ITEM). Prints the classes the item loaded, and its log.
     */
    static final class FirstSmtpItem {

        public static void main(String[] args) {
            SqsSmtpHandler handler = new SqsSmtpHandler();
            if (Boolean.parseBoolean(args[0])) {
                Functions.environment().priming("smtp").beforeCheckpoint(null);
            }
            var classes = ManagementFactory.getClassLoadingMXBean();
            long before = classes.getTotalLoadedClassCount();
            SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
            m.setMessageId("first");
            m.setBody(System.getenv("ITEM"));
            m.setAttributes(Map.of("MessageGroupId", "strict.smtp.test#0"));
            SQSEvent event = new SQSEvent();
            event.setRecords(List.of(m));
            SQSBatchResponse r = handler.handleRequest(event, new LocalContext("smtp"));
            System.out.println("first item loaded " + (classes.getTotalLoadedClassCount() - before) + " classes, "
                    + r.getBatchItemFailures().size() + " failed");
        }
    }
}
