package dev.mailcheck.aws;

import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.Servers;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the Lambda functions read from their environment (infra/template.yaml sets each of these).
 *
 * @param table       TABLE_NAME: the DynamoDB table of jobs and results
 * @param dnsServers  DNS_SERVERS: comma-separated HOST[:PORT]; empty for the function's own resolver
 * @param dnsTimeout  DNS_TIMEOUT_MS: budget of one lookup (default 5000)
 * @param retention   RESULT_RETENTION_DAYS: how long results live before DynamoDB's TTL removes them (default 30)
 */
public record AwsConfig(String table, List<InetSocketAddress> dnsServers, Duration dnsTimeout, Duration retention) {

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
                Duration.ofDays(Long.parseLong(env.getOrDefault("RESULT_RETENTION_DAYS", "30"))));
    }
}
