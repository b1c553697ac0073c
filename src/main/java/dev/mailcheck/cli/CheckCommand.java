package dev.mailcheck.cli;

import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.verdict.Batch;
import dev.mailcheck.verdict.CheckResult;
import dev.mailcheck.verdict.Checker;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

@Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Checks every address in FILE (or standard input) and writes one result per input record,"
                + " in input order.",
                "Input: one address per line, or CSV whose header has an 'email' column.",
                "Exit status 0 when the run completed, whatever the verdicts; 2 on unusable arguments or input."})
final class CheckCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE|-", description = "Input file; '-' or none reads standard input.")
    String input = "-";

    @Option(names = "--format", paramLabel = "jsonl|csv|table",
            description = "Output format (default: table on a terminal, jsonl otherwise).")
    ResultWriter.Format format;

    @Option(names = "--input-format", paramLabel = "auto|lines|csv", defaultValue = "auto",
            description = "How to read the input (default: ${DEFAULT-VALUE}: CSV when the first line is a header with the email column).")
    InputRecords.Format inputFormat;

    @Option(names = "--column", defaultValue = "email", description = "CSV column that holds the address (default: ${DEFAULT-VALUE}).")
    String column;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write results here instead of standard output.")
    Path output;

    @Option(names = "--dns", paramLabel = "HOST[:PORT]",
            description = "DNS resolver to ask (repeatable, tried in order). Default: the system's resolvers.")
    List<String> dns = new ArrayList<>();

    @Option(names = "--dns-timeout-ms", defaultValue = "5000", paramLabel = "MS",
            description = "Time budget of one DNS lookup, retries included (default: ${DEFAULT-VALUE}).")
    long dnsTimeoutMs;

    @Option(names = "--max-in-flight", defaultValue = "" + MxResolver.DEFAULT_MAX_IN_FLIGHT, paramLabel = "N",
            description = "DNS queries outstanding at once (default: ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(names = "--no-progress", description = "No progress bar, even on a terminal.")
    boolean noProgress;

    @Option(names = {"-q", "--quiet"}, description = "No summary on standard error.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        List<InetSocketAddress> servers = dns.stream().map(this::server).toList();
        if (dnsTimeoutMs <= 0 || maxInFlight <= 0) {
            throw new ParameterException(spec.commandLine(), "--dns-timeout-ms and --max-in-flight must be positive");
        }
        ResultWriter.Format outFormat = format != null ? format
                : output == null && Terminal.stdout() ? ResultWriter.Format.TABLE : ResultWriter.Format.JSONL;

        PrintStream err = System.err;
        long started = System.nanoTime();
        Summary summary = new Summary();
        try (BufferedReader in = open();
             MxResolver resolver = new MxResolver(servers, Duration.ofMillis(dnsTimeoutMs), maxInFlight);
             Writer out = output == null
                     ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16)
                     : Files.newBufferedWriter(output, StandardCharsets.UTF_8);
             ProgressBar bar = progressBar(err)) {
            InputRecords records;
            try {
                records = new InputRecords(in, inputFormat, column);
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(), "cannot read " + input + ": " + e.getMessage());
            }
            Checker checker = new Checker(resolver);
            ResultWriter writer = ResultWriter.of(outFormat, out);
            Iterator<CompletableFuture<CheckResult>> checks = new Iterator<>() {
                public boolean hasNext() {
                    return records.hasNext();
                }

                public CompletableFuture<CheckResult> next() {
                    InputRecords.Input r = records.next();
                    return r.error() == null ? checker.check(r.value()) : checker.unreadable(r.value(), r.error());
                }
            };
            Batch.run(checks, Batch.DEFAULT_WINDOW, result -> {
                writer.write(result);
                summary.add(result);
                if (bar != null) {
                    bar.step();
                }
            });
            writer.flush();
            summary.dns(resolver.mxQueries(), resolver.addressQueries());
        }
        if (!quiet) {
            err.print(summary.render(Duration.ofNanos(System.nanoTime() - started)));
        }
        return 0;
    }

    private BufferedReader open() throws IOException {
        InputStream stream;
        if (input.equals("-")) {
            stream = System.in;
        } else {
            Path path = Path.of(input);
            if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                throw new ParameterException(spec.commandLine(), "cannot read input file " + input
                        + (Files.exists(path) ? " (not a readable regular file)" : " (no such file)"));
            }
            stream = Files.newInputStream(path);
        }
        // Undecodable bytes become U+FFFD, which the address stage rejects with its own message.
        return new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)), 1 << 16);
    }

    private ProgressBar progressBar(PrintStream err) throws IOException {
        if (noProgress || !Terminal.stderr()) {
            return null;
        }
        long total = input.equals("-") ? -1 : countLines(Path.of(input));
        return new ProgressBarBuilder().setTaskName("checking").setInitialMax(total).setUnit(" addr", 1)
                .setConsumer(new ConsoleProgressBarConsumer(err)).showSpeed().continuousUpdate().build();
    }

    private static long countLines(Path file) throws IOException {
        try (var lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
            return lines.count();
        }
    }

    private InetSocketAddress server(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        boolean hasPort = colon > 0 && hostPort.indexOf(':') == colon || hostPort.startsWith("[") && hostPort.contains("]:");
        String host = hasPort ? hostPort.substring(0, colon) : hostPort;
        host = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            int port = hasPort ? Integer.parseInt(hostPort.substring(colon + 1)) : 53;
            if (port < 1 || port > 65535 || host.isEmpty()) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(host, port);
        } catch (NumberFormatException e) {
            throw new ParameterException(spec.commandLine(), "--dns wants HOST or HOST:PORT, not " + hostPort);
        }
    }
}
