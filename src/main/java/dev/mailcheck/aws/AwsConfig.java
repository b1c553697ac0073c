package dev.mailcheck.aws;

import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.Servers;
import dev.mailcheck.jobs.JobWorkflow;
import dev.mailcheck.smtp.Pacing;
import dev.mailcheck.smtp.SmtpSettings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the Lambda functions read from their environment (infra/template.yaml sets each of these).
 *
 * @param table          TABLE_NAME: the DynamoDB table of jobs and results
 * @param dnsServers     DNS_SERVERS: comma-separated HOST[:PORT]; empty for the function's own resolver
 * @param dnsTimeout     DNS_TIMEOUT_MS: budget of one lookup (default 5000)
 * @param retention      RESULT_RETENTION_DAYS: how long results live before DynamoDB's TTL removes them (default 30)
 * @param corsOrigins    CORS_ORIGINS: comma-separated origins browsers may call the API from ({@code *} for any)
 * @param uploadBucket   UPLOAD_BUCKET: where {@code POST /v1/jobs} puts lists and chunk workers put partial results
 * @param chunkQueue     CHUNK_QUEUE_URL: the SQS queue of chunks; empty to check every upload in one invocation
 * @param inlineMaxRecords INLINE_MAX_RECORDS: uploads of up to this many records are checked in one
 *                       invocation, larger ones are split into chunks on the queue (default 20,000)
 * @param smtp           SMTP_ENABLED=true turns the probe on for {@code smtp=true} requests, with SMTP_HELO,
 *                       SMTP_MAIL_FROM, SMTP_PORT (25) and SMTP_SOCKS (HOST:PORT; Lambda blocks port 25 itself);
 *                       null when off. SMTP_ALLOW_PRIVATE_MX=true (test beds only, never in the template) probes
 *                       MX hosts at loopback and private addresses, as {@code --allow-private-mx} does
 * @param dnsValidates   DNS_VALIDATES=true: the resolvers validate DNSSEC (Route 53 Resolver does when DNSSEC
 *                       validation is on for the VPC), so the security report can say {@code insecure}
 * @param eventBus       EVENT_BUS_NAME: where the end of every job is announced ("Job Finished"); empty for nowhere
 * @param pacing         SMTP_CONNECT_RATE (new sessions per minute per MX address), SMTP_RCPT_RATE (RCPTs per minute
 *                       per provider group), as N/min with 0 for none, and SMTP_COOL_DOWN_MINUTES (how long the
 *                       block breaker leaves a provider group alone); defaults {@link Pacing#defaults()}
 * @param dnsQps         DNS_QPS: DNS queries per second this function environment sends at most; 0 for no limit
 * @param publicSmtp     PUBLIC_SMTP=true lets the public GET/POST /v1/check probe with {@code smtp=true} too
 */
public record AwsConfig(String table, List<InetSocketAddress> dnsServers, Duration dnsTimeout, Duration retention,
                        List<String> corsOrigins, String uploadBucket, String chunkQueue, int inlineMaxRecords,
                        SmtpSettings smtp, boolean dnsValidates, String eventBus, Pacing pacing, int dnsQps,
                        boolean publicSmtp) {

    /** Every variable read above; the template test checks that each function is given all of them. */
    public static final List<String> VARIABLES = List.of("TABLE_NAME", "DNS_SERVERS", "DNS_TIMEOUT_MS",
            "RESULT_RETENTION_DAYS", "CORS_ORIGINS", "UPLOAD_BUCKET", "CHUNK_QUEUE_URL", "INLINE_MAX_RECORDS",
            "SMTP_ENABLED", "SMTP_HELO", "SMTP_MAIL_FROM", "SMTP_PORT", "SMTP_SOCKS", "DNS_VALIDATES", "EVENT_BUS_NAME",
            "SMTP_QUEUE_URL", "RECHECK_QUEUE_URL", "SMTP_GROUP_WORKERS", "SMTP_RECHECK_WINDOW_MINUTES",
            "SMTP_CONNECT_RATE", "SMTP_RCPT_RATE", "SMTP_COOL_DOWN_MINUTES", "DNS_QPS", "PUBLIC_SMTP");

    public static final int DEFAULT_INLINE_MAX_RECORDS = JobWorkflow.INLINE_MAX_RECORDS;

    public static AwsConfig fromEnv() {
        return from(System.getenv());
    }

    static AwsConfig from(Map<String, String> env) {
        String table = env.get("TABLE_NAME");
        if (table == null || table.isBlank()) {
            throw new IllegalStateException("TABLE_NAME is not set: it names the DynamoDB table of results");
        }
        return new AwsConfig(table, Servers.parseList(env.get("DNS_SERVERS"), 53),
                Duration.ofMillis(number(env, "DNS_TIMEOUT_MS", MxResolver.DEFAULT_TIMEOUT.toMillis())),
                retention(env),
                Arrays.stream(env.getOrDefault("CORS_ORIGINS", "").split(",")).map(String::strip)
                        .filter(o -> !o.isEmpty()).toList(),
                blankToNull(env.get("UPLOAD_BUCKET")), blankToNull(env.get("CHUNK_QUEUE_URL")),
                (int) number(env, "INLINE_MAX_RECORDS", DEFAULT_INLINE_MAX_RECORDS),
                "true".equals(env.get("SMTP_ENABLED")) ? smtp(env) : null, "true".equals(env.get("DNS_VALIDATES")),
                blankToNull(env.get("EVENT_BUS_NAME")), pacing(env), (int) number(env, "DNS_QPS", 0),
                "true".equals(env.get("PUBLIC_SMTP")));
    }

    private static Pacing pacing(Map<String, String> env) {
        Pacing d = Pacing.defaults();
        try {
            String connect = blankToNull(env.get("SMTP_CONNECT_RATE"));
            String rcpt = blankToNull(env.get("SMTP_RCPT_RATE"));
            return new Pacing(true, Duration.ofMinutes(number(env, "SMTP_COOL_DOWN_MINUTES", d.coolDown().toMinutes())),
                    connect == null ? d.connectsPerMinute() : Pacing.perMinute(connect),
                    rcpt == null ? d.rcptsPerMinute() : Pacing.perMinute(rcpt));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("SMTP_CONNECT_RATE, SMTP_RCPT_RATE, SMTP_COOL_DOWN_MINUTES: " + e.getMessage(), e);
        }
    }

    /** RESULT_RETENTION_DAYS (default 30): read here alone, for the functions and for {@code serve} with DynamoDB. */
    public static Duration retention(Map<String, String> env) {
        long days = number(env, "RESULT_RETENTION_DAYS", 30);
        if (days < 1) {
            throw new IllegalStateException("RESULT_RETENTION_DAYS must be at least 1, not " + days);
        }
        return Duration.ofDays(days);
    }

    /** SMTP_ALLOW_PRIVATE_MX=true: a test bed's mail hosts on loopback are mail hosts (the resolver's one switch). */
    static boolean allowPrivateMx(Map<String, String> env) {
        return "true".equals(env.get("SMTP_ALLOW_PRIVATE_MX"));
    }

    /**
     * SMTP jobs ({@code POST /v1/jobs?smtp=true}, uploads with {@code smtp: true} metadata): on where the probe is
     * on (SMTP_ENABLED) and SMTP_QUEUE_URL names the FIFO queue of SMTP work; null otherwise.
     */
    static SmtpJobsConfig smtpJobs(Map<String, String> env) {
        String queue = blankToNull(env.get("SMTP_QUEUE_URL"));
        if (!"true".equals(env.get("SMTP_ENABLED")) || queue == null) {
            return null;
        }
        String recheck = blankToNull(env.get("RECHECK_QUEUE_URL"));
        if (recheck == null) {
            throw new IllegalStateException("SMTP_QUEUE_URL is set without RECHECK_QUEUE_URL, where rechecks wait");
        }
        long workers = number(env, "SMTP_GROUP_WORKERS", 1);
        if (workers < 1) {
            throw new IllegalStateException("SMTP_GROUP_WORKERS must be at least 1, not " + workers);
        }
        return new SmtpJobsConfig(queue, recheck, (int) workers,
                Duration.ofMinutes(number(env, "SMTP_RECHECK_WINDOW_MINUTES", 60)));
    }

    /**
     * @param queue         SMTP_QUEUE_URL: the FIFO queue of SMTP work items, grouped by provider
     * @param recheckQueue  RECHECK_QUEUE_URL: the standard queue where rechecks wait out their delay
     * @param groupWorkers  SMTP_GROUP_WORKERS: workers probing one provider group at once (default 1)
     * @param recheckWindow SMTP_RECHECK_WINDOW_MINUTES: how long after the first try a recheck may start (60)
     */
    record SmtpJobsConfig(String queue, String recheckQueue, int groupWorkers, Duration recheckWindow) {
    }

    private static long number(Map<String, String> env, String name, long fallback) {
        String value = blankToNull(env.get(name));
        try {
            return value == null ? fallback : Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(name + " must be a whole number, not " + value, e);
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static SmtpSettings smtp(Map<String, String> env) {
        SmtpSettings d = SmtpSettings.defaults();
        String socks = blankToNull(env.get("SMTP_SOCKS"));
        // The template sets every variable, so an empty one means "not given".
        String helo = blankToNull(env.get("SMTP_HELO"));
        String mailFrom = blankToNull(env.get("SMTP_MAIL_FROM"));
        return d.withHelo(helo == null ? d.helo() : helo)
                .withMailFrom(mailFrom == null ? d.mailFrom() : mailFrom)
                .withPort((int) number(env, "SMTP_PORT", 25))
                .withSocks(socks == null ? null : Servers.parse(socks, 1080));
    }
}
