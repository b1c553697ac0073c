package dev.mailcheck.cli;

import dev.mailcheck.LogPrivacy;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.TransportSecurityLookup;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.lists.ResultWriter;
import dev.mailcheck.pipeline.Batch;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.pipeline.ListRun;
import dev.mailcheck.pipeline.Recheck;
import dev.mailcheck.pipeline.Rechecks;
import dev.mailcheck.smtp.SmtpProber;
import java.io.BufferedReader;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Checks every address in FILE (or standard input) and writes one result per input record,"
                + " in input order.",
                "Input: one address per line, or CSV whose header names the address column (email, e-mail,"
                + " Email Address, mail, ... or --column), its cells separated by ',', ';', tab or '|' (as the header"
                + " shows). UTF-8, or UTF-16 with a byte-order mark; gzip is unpacked.",
                "Exit status: 0 the run completed, whatever the verdicts; 1 the results could not be written;"
                + " 2 unusable arguments or input; 3 out of memory (the results so far may be cut short);"
                + " 4 the input broke off (the results before the break are written);"
                + " 130/143 stopped by SIGINT/SIGTERM (the results already finished are written)."})
final class CheckCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE|-", description = "Input file; '-' or none reads standard input.")
    String input = "-";

    @Option(names = "--format", paramLabel = "jsonl|csv|table",
            description = "Output format (default: table on a terminal, jsonl otherwise).")
    ResultWriter.Format format;

    @Option(names = "--input-format", paramLabel = "auto|lines|csv", defaultValue = "auto",
            description = "How to read the input (default: ${DEFAULT-VALUE}: CSV when the first line is a header).")
    InputRecords.Format inputFormat;

    @Option(names = "--column", paramLabel = "NAME", description = "The CSV column that holds the address (the input is"
            + " then CSV). Default: the first column named like one (email, e-mail, Email Address, mail, ...).")
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

    /** Exit status when the results could not be written (a full disk, a closed pipe). */
    static final int OUTPUT_FAILED = 1;
    /**
     * Exit status when the input could not be read to its end (a gzip stream cut short, a broken CSV quote). Not 3:
     * that is the JVM's own exit on running out of memory (the launcher's -XX:+ExitOnOutOfMemoryError), fixed.
     */
    static final int INPUT_BROKE_OFF = 4;
    /** What call returns when stopped by a signal; the JVM then ends with 128 + the signal's number anyway. */
    static final int STOPPED = 130;
    /** How long a signal waits for the results already finished to be written before the JVM ends. */
    private static final Duration FLUSH_ON_SIGNAL = Duration.ofSeconds(10);

    @Override
    public Integer call() throws Exception {
        ResultWriter.Format outFormat = format != null ? format
                : output == null && Terminal.stdout() ? ResultWriter.Format.TABLE : ResultWriter.Format.JSONL;

        Recheck recheck = recheck();
        PrintStream err = System.err;
        long started = System.nanoTime();
        Summary summary = new Summary();
        try (BufferedReader in = open();
             MxResolver resolver = pipeline.resolverForOneList();
             SmtpProber prober = pipeline.prober();
             TransportSecurityLookup securityLookup = security ? pipeline.security() : null) {
            InputRecords records = records(in);
            Checker checker = new Checker(resolver).withSmtp(prober).withSecurityLookup(securityLookup);
            Rechecks rechecks = new Rechecks(security ? checker.withSecurity() : checker, recheck);
            try (ProgressBar bar = progressBar(err)) {
                ResultSink sink = new ResultSink(outFormat, openOutput(), summary, bar);
                try (FlushOnSignal signal = new FlushOnSignal(() -> {
                    rechecks.stop(); // an address waiting for a recheck is finished with its latest answer
                    sink.stop.complete(null);
                }, FLUSH_ON_SIGNAL, err)) {
                    int status = run(rechecks, records, sink, signal, err,
                            prober == null ? () -> null : prober::waitingFor);
                    summary.dns(resolver.mxQueries(), resolver.addressQueries());
                    if (prober != null) {
                        summary.smtp(prober.connections(), prober.rcpts(), prober.heldBack());
                    }
                    if (!quiet) {
                        err.print(summary.render(Duration.ofNanos(System.nanoTime() - started)));
                    }
                    return status;
                }
            }
        }
    }

    /** Runs the list into the sink and closes it; says on {@code err} how the run ended unless it ended well. */
    private int run(Rechecks rechecks, InputRecords records, ResultSink sink, FlushOnSignal signal, PrintStream err,
                    Supplier<String> smtpWaiting) {
        Batch.Outcome outcome;
        InputRecords.BrokeOff brokeOff = null;
        try (RecheckProgress waits = quiet ? null : new RecheckProgress(rechecks, smtpWaiting, err, sink.bar())) {
            outcome = ListRun.run(rechecks, records, sink, sink.stop);
        } catch (InputRecords.BrokeOff e) {
            brokeOff = e;
            outcome = new Batch.Outcome(sink.written(), 0);
        }
        if (!sink.close()) {
            err.println("checker: cannot write the results to " + (output == null ? "standard output" : output) + " ("
                    + LogPrivacy.text(String.valueOf(sink.failure().getMessage())) + "); stopped after " + sink.written()
                    + " results, and those may not all have been written");
            return OUTPUT_FAILED;
        }
        if (brokeOff != null) {
            err.println("checker: " + input + " broke off after " + sink.written() + " records, at line " + brokeOff.line()
                    + " (" + LogPrivacy.text(String.valueOf(brokeOff.getCause().getMessage()).lines().findFirst()
                            .orElse("")) + "); their results are written, the rest of the input was not read");
            return INPUT_BROKE_OFF;
        }
        if (signal.signalled()) {
            err.println("checker: stopped by a signal; the " + sink.written() + " results finished are written, in input"
                    + " order; " + outcome.unfinished() + " checks still running and the rest of the input were left out");
            return STOPPED;
        }
        return 0;
    }

    private Recheck recheck() {
        if (recheckTemporary < 0 || recheckWindow <= 0) {
            throw new ParameterException(spec.commandLine(), "--recheck-temporary must be 0 or more and --recheck-window positive");
        }
        return new Recheck(recheckTemporary + 1, Duration.ofSeconds(recheckWindow));
    }

    /** A named column makes the input CSV: a header without it is an error, not a list of lines. */
    private InputRecords.Format readFormat() {
        return column != null && inputFormat == InputRecords.Format.AUTO ? InputRecords.Format.CSV : inputFormat;
    }

    private InputRecords records(BufferedReader in) {
        try {
            return new InputRecords(in, readFormat(), column);
        } catch (InputRecords.NoAddressColumn e) {
            throw new ParameterException(spec.commandLine(), input + ": " + LogPrivacy.text(e.getMessage())
                    + (column != null ? "" : inputFormat == InputRecords.Format.AUTO ? ". Name the address column with"
                            + " --column, or read one address per line with --input-format lines." : ". Name the address column with --column."));
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "cannot read " + input + ": " + LogPrivacy.text(e.getMessage()));
        }
    }

    /**
     * Standard output as a plain file stream: System.out is a PrintStream, which swallows write errors (a
     * full disk would go unnoticed).
     */
    private OutputStream openOutput() {
        try {
            OutputStream stream = output == null ? new FileOutputStream(FileDescriptor.out) : Files.newOutputStream(output);
            return new BufferedOutputStream(stream, 1 << 16);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "cannot write to " + output + " ("
                    + (e instanceof NoSuchFileException ? "no such directory" : e instanceof AccessDeniedException
                            ? "permission denied" : e.getMessage()) + ")");
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
        return InputRecords.reader(stream);
    }

    private ProgressBar progressBar(PrintStream err) {
        if (noProgress || !Terminal.stderr()) {
            return null;
        }
        ProgressBar bar = new ProgressBarBuilder().setTaskName("checking").setInitialMax(-1).setUnit(" addr", 1)
                .setConsumer(new ConsoleProgressBarConsumer(err)).showSpeed().continuousUpdate().build();
        if (!input.equals("-")) {
            // Counted aside, so the run starts at once; the bar gets its total when the count is done.
            Path file = Path.of(input);
            InputRecords.Format format = readFormat();
            Thread.ofPlatform().daemon().name("checker-count").start(() -> {
                try {
                    bar.maxHint(countRecords(file, format, column));
                } catch (IOException | RuntimeException e) {
                    // no total then: the run itself says what is wrong with the input
                }
            });
        }
        return bar;
    }

    /**
     * The records the run will read from {@code file}, read as it reads them: gzip unpacked, decoded, one per
     * CSV row (a quoted field may span lines) without the header. Counting raw lines counted a gzip file's
     * compressed bytes.
     */
    static long countRecords(Path file, InputRecords.Format format, String column) throws IOException {
        try (BufferedReader in = InputRecords.reader(Files.newInputStream(file))) {
            InputRecords records = new InputRecords(in, format, column);
            long n = 0;
            for (; records.hasNext(); records.next()) {
                n++;
            }
            return n;
        }
    }
}
