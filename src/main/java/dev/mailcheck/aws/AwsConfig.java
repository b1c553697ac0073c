package dev.mailcheck.aws;

import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.Servers;
import dev.mailcheck.smtp.SmtpSettings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the Lambda functions read from their environment (infra/template.yaml sets each of these).
 *
 * @param table       TABLE_NAME: the DynamoDB table of jobs and results
 * @param dnsServers  DNS_SERVERS: comma-separated HOST[:PORT]; empty for the function's own resolver
 * @param dnsTimeout  DNS_TIMEOUT_MS: budget of one lookup (default 5000)
 * @param retention   RESULT_RETENTION_DAYS: how long results live before DynamoDB's TTL removes them (default 30)
 * @param corsOrigins CORS_ORIGINS: comma-separated origins browsers may call the API from ({@code *} for any)
 * @param smtp        SMTP_ENABLED=true turns the probe on for {@code smtp=true} requests, with SMTP_HELO,
 *                    SMTP_MAIL_FROM, SMTP_PORT (25) and SMTP_SOCKS (HOST:PORT; Lambda blocks port 25 itself);
 *                    null when off
 */
public record AwsConfig(String table, List<InetSocketAddress> dnsServers, Duration dnsTimeout, Duration retention,
                        List<String> corsOrigins, SmtpSettings smtp) {

    public static AwsConfig fromEnv() {
        return from(System.getenv());
    }

    static AwsConfig from(Map<String, String> env) {
        String table = env.get("TABLE_NAME");
        if (table == null || table.isBlank()) {
            throw new IllegalStateException("TABLE_NAME is not set: it names the DynamoDB table of results");
        }
        return new AwsConfig(table, Servers.parseList(env.get("DNS_SERVERS"), 53),
                Duration.ofMillis(Long.parseLong(env.getOrDefault("DNS_TIMEOUT_MS",
                        Long.toString(MxResolver.DEFAULT_TIMEOUT.toMillis())))),
                Duration.ofDays(Long.parseLong(env.getOrDefault("RESULT_RETENTION_DAYS", "30"))),
                Arrays.stream(env.getOrDefault("CORS_ORIGINS", "").split(",")).map(String::strip)
                        .filter(o -> !o.isEmpty()).toList(),
                "true".equals(env.get("SMTP_ENABLED")) ? smtp(env) : null);
    }

    private static SmtpSettings smtp(Map<String, String> env) {
        SmtpSettings d = SmtpSettings.defaults();
        String socks = env.get("SMTP_SOCKS");
        return new SmtpSettings(env.getOrDefault("SMTP_HELO", d.helo()), env.getOrDefault("SMTP_MAIL_FROM", d.mailFrom()),
                Integer.parseInt(env.getOrDefault("SMTP_PORT", "25")), false, true, false,
                socks == null || socks.isBlank() ? null : Servers.parse(socks, 1080), Map.of(), d.rcptsPerTransaction(),
                d.perHostSessions(), d.sessions(), d.errorsPerSession(), d.linger());
    }
}
