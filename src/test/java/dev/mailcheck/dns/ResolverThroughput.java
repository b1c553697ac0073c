package dev.mailcheck.dns;

import dev.mailcheck.cli.ConsoleLogging;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The DNS stage alone, for bench/run: every domain of a dnsperf query file ({@code NAME MX} lines)
 * through one MxResolver at once, as a list's unique domains go through it, and the time that took.
 * Prints one JSON object.
 */
public final class ResolverThroughput {

    private ResolverThroughput() {
    }

    /** @param args HOST:PORT of the DNS server, the query file, and optionally the queries in flight */
    public static void main(String[] args) throws Exception {
        ConsoleLogging.install();
        List<String> domains = Files.readAllLines(Path.of(args[1])).stream().map(l -> l.split(" ")[0]).toList();
        int inFlight = args.length > 2 ? Integer.parseInt(args[2]) : MxResolver.DEFAULT_MAX_IN_FLIGHT;
        try (MxResolver dns = new MxResolver(List.of(Servers.parse(args[0], 53)), MxResolver.DEFAULT_TIMEOUT, inFlight,
                false)) {
            long start = System.nanoTime();
            CompletableFuture.allOf(domains.stream().map(dns::resolve).toArray(CompletableFuture[]::new)).join();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "{\"domains\": %d, \"seconds\": %.3f, \"per_second\": %.0f, \"mx_queries\": %d,"
                    + " \"address_queries\": %d, \"in_flight\": %d}%n", domains.size(), seconds, domains.size() / seconds,
                    dns.mxQueries(), dns.addressQueries(), inFlight);
        }
    }
}
