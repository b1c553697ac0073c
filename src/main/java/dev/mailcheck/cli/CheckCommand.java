package dev.mailcheck.cli;

import dev.mailcheck.LogPrivacy;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.TransportSecurityLookup;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.lists.ListRun;
import dev.mailcheck.lists.ResultWriter;
import dev.mailcheck.smtp.SmtpProber;
import dev.mailcheck.verdict.Checker;
import dev.mailcheck.verdict.Recheck;
import dev.mailcheck.verdict.Rechecks;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    PipelineOptions pipeline;

    @Option(names = "--security", description = "Also report each domain's transport security: DNSSEC (see --dns-validates),"
            + " DANE TLSA records of its MX hosts, MTA-STS and TLS-RPT records (a few more DNS queries per domain).")
    boolean security;

    @Option(names = "--recheck-temporary", defaultValue = "0", paramLabel = "N",
            description = "Check an address that ends temporary_failure (greylisting, a 4xx 'later') again after the"
                    + " server's delay, up to N more times within --recheck-window (default: ${DEFAULT-VALUE}, no recheck)."
                    + " Results stay in input order: those behind a waiting recheck are held.")
    int recheckTemporary;

    @Option(names = "--recheck-window", defaultValue = "3600", paramLabel = "SECONDS",
            description = "Every recheck starts within this many seconds of the address's first check; a short"
                    + " window shortens the waits (default: ${DEFAULT-VALUE}).")
    long recheckWindow;

    @Option(names = "--no-progress", description = "No progress bar, even on a terminal.")
    boolean noProgress;

    @Option(names = {"-q", "--quiet"}, description = "No summary and no recheck waiting line on standard error.")
    boolean quiet;

    /** Exit status when the input could not be read to its end (a gzip stream cut short, a read error). */
    static final int INPUT_BROKE_OFF = 3;

    @Override
    public Integer call() throws Exception {
        ResultWriter.Format outFormat = format != null ? format
                : output == null && Terminal.stdout() ? ResultWriter.Format.TABLE : ResultWriter.Format.JSONL;

        Recheck recheck = recheck();
        PrintStream err = System.err;
        long started = System.nanoTime();
        Summary summary = new Summary();
        try (BufferedReader in = open();
             MxResolver resolver = pipeline.resolver();
             SmtpProber prober = pipeline.prober();
             TransportSecurityLookup securityLookup = security ? pipeline.security() : null;
             Writer out = output == null
                     ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16)
                     : Files.newBufferedWriter(output, StandardCharsets.UTF_8);
             ProgressBar bar = progressBar(err)) {
            InputRecords records;
            try {
                records = new InputRecords(in, inputFormat, column);
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(),
                        "cannot read " + input + ": " + LogPrivacy.text(e.getMessage()));
            }
            Checker checker = new Checker(resolver, prober, securityLookup);
            if (security) {
                checker = checker.withSecurity();
            }
            ResultWriter writer = ResultWriter.of(outFormat, out);
            Rechecks rechecks = new Rechecks(checker, recheck);
            try (RecheckProgress waits = quiet || recheckTemporary == 0 ? null : new RecheckProgress(rechecks, err, bar)) {
                ListRun.run(rechecks, records, result -> {
                    writer.write(result);
                    summary.add(result);
                    if (bar != null) {
                        bar.step();
                    }
                });
            } catch (UncheckedIOException e) {
                writer.flush();
                err.println("checker: " + input + " broke off after " + summary.total() + " records ("
                        + LogPrivacy.text(String.valueOf(e.getCause().getMessage())) + "); their results are written,"
                        + " the rest of the input was not read");
                return INPUT_BROKE_OFF;
            }
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

    private Recheck recheck() {
        if (recheckTemporary < 0 || recheckWindow <= 0) {
            throw new ParameterException(spec.commandLine(), "--recheck-temporary must be 0 or more and --recheck-window positive");
        }
        return new Recheck(recheckTemporary + 1, Duration.ofSeconds(recheckWindow));
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
}
