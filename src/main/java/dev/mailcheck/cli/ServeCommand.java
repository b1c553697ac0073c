package dev.mailcheck.cli;

import dev.mailcheck.api.Api;
import dev.mailcheck.api.SmtpCodes;
import dev.mailcheck.api.InProcessJobs;
import dev.mailcheck.aws.DynamoResultStore;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.TransportSecurityLookup;
import dev.mailcheck.jobs.JobWorkflow;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.pipeline.Recheck;
import dev.mailcheck.smtp.SmtpSettings;
import dev.mailcheck.store.LocalResultStore;
import dev.mailcheck.store.ResultStore;
import java.nio.file.Path;
import java.time.Duration;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the HTTP API on this machine: the same routes and code as the Lambda function.",
                "Results go to DynamoDB when TABLE_NAME is set (AWS_ENDPOINT_URL for a local stand-in), else to"
                        + " --data-dir, where they outlive a restart.",
                "Exits 2 when it cannot listen (e.g. the port is in use)."})
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "N", description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDR", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--cors-origin", paramLabel = "ORIGIN", description = "An origin browsers may call from (repeatable; * for any).")
    List<String> corsOrigins = new ArrayList<>();

    @Option(names = "--header-timeout-ms", defaultValue = "10000", paramLabel = "MS",
            description = "Time for a request's line and headers to arrive, from the connection or the previous answer;"
                    + " then the connection is closed (default: ${DEFAULT-VALUE}).")
    long headerTimeoutMs;

    @Option(names = "--body-timeout-ms", defaultValue = "60000", paramLabel = "MS",
            description = "Time for a request's body to arrive after its headers; then 408 (default: ${DEFAULT-VALUE}).")
    long bodyTimeoutMs;

    @Option(names = "--idle-timeout-ms", defaultValue = "60000", paramLabel = "MS",
            description = "A connection that neither sends nor reads for this long is closed (default: ${DEFAULT-VALUE}).")
    long idleTimeoutMs;

    @Option(names = "--max-jobs", defaultValue = "2", paramLabel = "N",
            description = "Lists (POST /v1/jobs) checked at once; one more is answered 429 (default: ${DEFAULT-VALUE}).")
    int maxJobs;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where jobs and their results are kept without DynamoDB, across restarts (default:"
                    + " $XDG_CACHE_HOME/checker/serve, else ~/.cache/checker/serve).")
    Path dataDir;

    @Option(names = "--kept-jobs", defaultValue = "" + 1_000, paramLabel = "N",
            description = "Finished jobs kept without DynamoDB; older ones are forgotten first (default: ${DEFAULT-VALUE}).")
    int keptJobs;

    @Option(names = "--kept-results", defaultValue = "" + 1_000_000, paramLabel = "N",
            description = "Results of finished jobs kept without DynamoDB, in all (default: ${DEFAULT-VALUE}).")
    long keptResults;

    @Option(names = "--kept-hours", defaultValue = "24", paramLabel = "H",
            description = "Hours a finished job is kept without DynamoDB (default: ${DEFAULT-VALUE}).")
    long keptHours;

    // Hidden: the defaults are Lambda's; tests cut small lists into several chunks with these.
    @Option(names = "--inline-max-records", defaultValue = "" + JobWorkflow.INLINE_MAX_RECORDS, paramLabel = "N",
            hidden = true, description = "Lists of up to N records are checked in one piece, larger ones in chunks.")
    int inlineMaxRecords;

    @Option(names = "--chunk-records", defaultValue = "" + JobWorkflow.CHUNK_RECORDS, paramLabel = "N", hidden = true,
            description = "Records per chunk of a list checked in chunks.")
    int chunkRecords;

    @Option(names = "--public-smtp", description = "Let GET/POST /v1/check, which any web page can make its visitors'"
            + " browsers call, probe mailboxes with smtp=true. Off: it would tell anyone whether a mailbox exists,"
            + " from this server's address; POST /v1/checks and jobs still probe.")
    boolean publicSmtp;

    @Option(names = "--client-rate", defaultValue = "60", paramLabel = "N",
            description = "Addresses one client address (an IPv6 /64) may have checked per minute (/v1/check: one,"
                    + " /v1/checks: one per address), in bursts of up to N. A request is served while the client has"
                    + " one check left; a larger batch puts it in debt, which its next requests wait out (429 with"
                    + " Retry-After: the time until it may ask again). 0 turns the limit off (default: ${DEFAULT-VALUE}).")
    long clientRate;

    @Option(names = "--body-memory-mb", paramLabel = "MB",
            description = "Memory for request bodies, in all: from their arrival until they are answered. An upload that"
                    + " does not fit is answered 503 with Retry-After, before its body is read when it declares its"
                    + " length (default: a sixteenth of the heap, at least one largest body, 5 MiB).")
    Integer bodyMemoryMb;

    @Mixin
    PipelineOptions pipeline;

    @Override
    public Integer call() throws Exception {
        if (headerTimeoutMs <= 0 || bodyTimeoutMs <= 0 || idleTimeoutMs <= 0 || idleTimeoutMs > Integer.MAX_VALUE
                || maxJobs <= 0) {
            throw new ParameterException(spec.commandLine(), "timeouts and --max-jobs must be positive");
        }
        long bodyMemory = bodyMemoryMb != null ? bodyMemoryMb * 1024L * 1024
                : Math.max(ApiServer.MAX_BODY, Runtime.getRuntime().maxMemory() / 16);
        if (bodyMemory < ApiServer.MAX_BODY || bodyMemory > Integer.MAX_VALUE) {
            throw new ParameterException(spec.commandLine(), "--body-memory-mb: from 6 to 2047");
        }
        ClientRate perClient;
        try {
            perClient = clientRate == 0 ? null : new ClientRate(clientRate);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--client-rate: " + e.getMessage() + " (0: no limit)");
        }
        String table = System.getenv("TABLE_NAME");
        boolean local = table == null || table.isBlank();
        JobWorkflow.Chunking chunking;
        try {
            chunking = new JobWorkflow.Chunking(inlineMaxRecords, chunkRecords);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--inline-max-records, --chunk-records: " + e.getMessage());
        }
        ResultStore store;
        Path data = dataDir != null ? dataDir : defaultDataDir();
        try {
            store = local ? new LocalResultStore(data, new LocalResultStore.Limits(Duration.ofHours(keptHours),
                    keptJobs, keptResults), SmtpCodes::link) : DynamoResultStore.fromEnvironment(table, SmtpCodes::link);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--kept-*: " + e.getMessage());
        } catch (UncheckedIOException e) {
            System.err.println("checker serve: " + e.getMessage());
            return 2;
        }
        MxResolver dns = pipeline.resolver();
        SmtpSettings smtp = pipeline.smtpSettings();
        TransportSecurityLookup security = pipeline.security();
        Checker checker = new Checker(dns).withSecurityLookup(security);
        Checker withSmtp = smtp == null ? null : Api.smtpChecker(dns, smtp, pipeline.pacing(), security);
        // Jobs with ?smtp=true recheck greylisting: 3 tries within the hour it takes at worst. smtp_data=true jobs
        // go on to DATA's 354 with the same prober's limits.
        Api api = new Api(checker, withSmtp, store, new InProcessJobs(new JobWorkflow.Checkers(checker, withSmtp,
                withSmtp == null ? null : withSmtp.goingToData(), Recheck.DEFAULT), store, maxJobs, chunking),
                corsOrigins, publicSmtp);

        ApiServer server;
        try {
            server = ApiServer.start(api, bind, port, new ApiServer.Deadlines(Duration.ofMillis(headerTimeoutMs),
                    Duration.ofMillis(bodyTimeoutMs), Duration.ofMillis(idleTimeoutMs)), perClient, (int) bodyMemory);
        } catch (Exception e) {
            // Typically the port in use, or an address not of this machine: one line, no stack trace.
            System.err.println("checker serve: cannot listen on " + bind + ":" + port + ": " + e.getMessage());
            return 2;
        }
        System.err.println("store: " + (local ? data + " (set TABLE_NAME to use DynamoDB)"
                : "DynamoDB table " + table));
        System.err.println("SMTP probe: " + (smtp == null ? "off (smtp=true is refused)"
                : publicSmtp ? "on, also on the public /v1/check" : "on, for /v1/checks and jobs (not /v1/check)"));
        System.out.println("serving on http://" + bind + ":" + server.port());
        System.out.flush();
        new CountDownLatch(1).await();
        return 0;
    }

    /** Under the user's cache directory (XDG): what it holds can be rebuilt, but a restart should not lose it. */
    private static Path defaultDataDir() {
        String cache = System.getenv("XDG_CACHE_HOME");
        Path base = cache != null && !cache.isBlank() && Path.of(cache).isAbsolute() ? Path.of(cache)
                : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("checker").resolve("serve");
    }
}
