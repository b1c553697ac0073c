package dev.mailcheck.dns;

import dev.mailcheck.cli.ConsoleLogging;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The DNS stage alone, for bench/run: every domain of a dnsperf query file ({@code NAME MX} lines)
 * through one MxResolver at once, as a list's unique domains go through it, and the time that took.
 * Twice, each time with a fresh resolver (empty caches, the same queries): the first pass is mostly the
 * JIT compiling the stage (half its CPU time on 2 cores), the second measures the stage itself, as
 * dnsperf, compiled ahead, is measured. Prints one JSON object.
 */
public final class ResolverThroughput {

    private ResolverThroughput() {
    }

    /** @param args HOST:PORT of the DNS server, the query file, and optionally the queries in flight */
    public static void main(String[] args) throws Exception {
        ConsoleLogging.install();
        List<String> domains = Files.readAllLines(Path.of(args[1])).stream().map(l -> l.split(" ")[0]).toList();
        int inFlight = args.length > 2 ? Integer.parseInt(args[2]) : MxResolver.DEFAULT_MAX_IN_FLIGHT;
        double[] first = pass(args[0], domains, inFlight, null);
        pass(args[0], domains, inFlight, first);
    }

    /**
     * One pass through a fresh resolver; prints its figures after the warm-up pass's {@code first}. The
     * process's CPU time per domain as well: on a shared machine it varies far less than the rate.
     */
    private static double[] pass(String server, List<String> domains, int inFlight, double[] first) {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (MxResolver dns = new MxResolver(List.of(Servers.parse(server, 53)), MxResolver.DEFAULT_TIMEOUT, inFlight,
                false)) {
            long start = System.nanoTime();
            long cpu = os.getProcessCpuTime();
            CompletableFuture.allOf(domains.stream().map(dns::resolve).toArray(CompletableFuture[]::new)).join();
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuMicros = (os.getProcessCpuTime() - cpu) / 1e3 / domains.size();
            if (first != null) {
                System.out.printf(Locale.ROOT, "{\"domains\": %d, \"seconds\": %.3f, \"per_second\": %.0f,"
                        + " \"first_pass_per_second\": %.0f, \"cpu_us_per_domain\": %.1f,"
                        + " \"first_pass_cpu_us_per_domain\": %.1f, \"mx_queries\": %d, \"address_queries\": %d,"
                        + " \"in_flight\": %d}%n", domains.size(), seconds, domains.size() / seconds, first[0],
                        cpuMicros, first[1], dns.mxQueries(), dns.addressQueries(), inFlight);
            }
            return new double[] {domains.size() / seconds, cpuMicros};
        }
    }
}
