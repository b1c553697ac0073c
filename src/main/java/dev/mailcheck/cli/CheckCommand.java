package dev.mailcheck.cli;

import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.Servers;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.lists.ListRun;
import dev.mailcheck.lists.ResultWriter;
import dev.mailcheck.smtp.SmtpProber;
import dev.mailcheck.smtp.SmtpSettings;
import dev.mailcheck.smtp.Stage;
import dev.mailcheck.verdict.Checker;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
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

    @Option(names = "--smtp", description = "Also ask each domain's mail server about the mailbox (EHLO, MAIL FROM, RCPT TO; nothing is ever sent).")
    boolean smtp;

    @Option(names = "--smtp-data", description = "With --smtp: go on to DATA and stop at its 354, then close the connection.")
    boolean smtpData;

    @Option(names = "--smtp-port", defaultValue = "25", paramLabel = "N", description = "SMTP port of the MX hosts (default: ${DEFAULT-VALUE}).")
    int smtpPort;

    @Option(names = "--helo", defaultValue = "checker.invalid", paramLabel = "NAME",
            description = "Name for EHLO/HELO; on the Internet use one whose A and PTR records match your address (default: ${DEFAULT-VALUE}).")
    String helo;

    @Option(names = "--mail-from", defaultValue = "", paramLabel = "ADDR", description = "MAIL FROM address (default: the null sender <>).")
    String mailFrom;

    @Option(names = "--allow-private-mx", description = "Probe MX hosts on loopback/private addresses (test beds only).")
    boolean allowPrivateMx;

    @Option(names = "--socks", paramLabel = "HOST:PORT", description = "Connect to MX hosts through this SOCKS5 proxy.")
    String socks;

    @Option(names = "--smtp-timeout", paramLabel = "STAGE=MS",
            description = "Time for one SMTP stage (connect, greeting, ehlo, starttls, mail, rcpt, data), repeatable.")
    Map<Stage, Long> smtpTimeouts = new EnumMap<>(Stage.class);

    @Option(names = "--rcpts-per-transaction", defaultValue = "50", paramLabel = "N", description = "RCPTs per MAIL transaction (default: ${DEFAULT-VALUE}).")
    int rcptsPerTransaction;

    @Option(names = "--sessions-per-host", defaultValue = "2", paramLabel = "N", description = "SMTP sessions at once per MX address (default: ${DEFAULT-VALUE}).")
    int sessionsPerHost;

    @Option(names = "--sessions", defaultValue = "64", paramLabel = "N", description = "SMTP sessions at once in all (default: ${DEFAULT-VALUE}).")
    int sessions;

    @Option(names = "--no-progress", description = "No progress bar, even on a terminal.")
    boolean noProgress;

    @Option(names = {"-q", "--quiet"}, description = "No summary on standard error.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        List<InetSocketAddress> servers = dns.stream().map(d -> server(d, "--dns", 53)).toList();
        if (dnsTimeoutMs <= 0 || maxInFlight <= 0 || rcptsPerTransaction <= 0 || sessionsPerHost <= 0 || sessions <= 0
                || smtpPort < 1 || smtpPort > 65535) {
            throw new ParameterException(spec.commandLine(), "counts, timeouts and ports must be positive (ports at most 65535)");
        }
        SmtpSettings smtpSettings = smtp || smtpData ? smtpSettings() : null;
        ResultWriter.Format outFormat = format != null ? format
                : output == null && Terminal.stdout() ? ResultWriter.Format.TABLE : ResultWriter.Format.JSONL;

        PrintStream err = System.err;
        long started = System.nanoTime();
        Summary summary = new Summary();
        try (BufferedReader in = open();
             MxResolver resolver = new MxResolver(servers, Duration.ofMillis(dnsTimeoutMs), maxInFlight);
             SmtpProber prober = smtpSettings == null ? null : new SmtpProber(smtpSettings);
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
            Checker checker = new Checker(resolver, prober);
            ResultWriter writer = ResultWriter.of(outFormat, out);
            ListRun.run(checker, records, result -> {
                writer.write(result);
                summary.add(result);
                if (bar != null) {
                    bar.step();
                }
            });
            writer.flush();
            summary.dns(resolver.mxQueries(), resolver.addressQueries());
            if (prober != null) {
                summary.smtp(prober.connections(), prober.rcpts());
            }
        }
        if (!quiet) {
            err.print(summary.render(Duration.ofNanos(System.nanoTime() - started)));
        }
        return 0;
    }

    private SmtpSettings smtpSettings() {
        Map<Stage, Duration> timeouts = new EnumMap<>(Stage.class);
        smtpTimeouts.forEach((stage, ms) -> timeouts.put(stage, Duration.ofMillis(ms)));
        try {
            return new SmtpSettings(helo, mailFrom, smtpPort, smtpData, true, allowPrivateMx,
                    socks == null ? null : server(socks, "--socks", 1080), timeouts, rcptsPerTransaction,
                    sessionsPerHost, sessions, SmtpSettings.defaults().errorsPerSession(), SmtpSettings.defaults().linger());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
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
        return ListRun.reader(stream);
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

    private InetSocketAddress server(String hostPort, String option, int defaultPort) {
        try {
            return Servers.parse(hostPort, defaultPort);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), option + " " + e.getMessage());
        }
    }
}
