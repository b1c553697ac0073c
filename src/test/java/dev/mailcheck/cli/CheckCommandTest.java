package dev.mailcheck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.testbed.FakeDnsServer;
import dev.mailcheck.testbed.FakeSmtpServer;
import dev.mailcheck.testbed.Nsd;
import dev.mailcheck.testbed.Postfix;
import dev.mailcheck.testbed.Unbound;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;

/** The {@code check} command as a separate process: input file in, results out, against NSD. */
class CheckCommandTest {

    @TempDir
    Path dir;

    record Run(int exit, String stdout, String stderr) {
        List<JsonNode> jsonl() throws IOException {
            List<JsonNode> out = new ArrayList<>();
            for (String line : stdout.split("\n")) {
                out.add(new ObjectMapper().readTree(line));
            }
            return out;
        }
    }

    private Run run(byte[] stdin, String... args) throws Exception {
        return run(Map.of(), stdin, dir.resolve("stdout"), args);
    }

    /**
     * @param env    added to the environment, which never passes LOG_ADDRESSES on from the test's own
     * @param stdout where standard output goes
     */
    private Run run(Map<String, String> env, byte[] stdin, Path stdout, String... args) throws Exception {
        Process p = start(env, stdout, args);
        p.getOutputStream().write(stdin);
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "check did not finish");
        return ended(p, stdout);
    }

    /**
     * The CLI in a JVM of its own. Through perl, which sets SIGINT back to its default: a JVM that inherits
     * it ignored (a test run started in the background) would ignore Ctrl-C and never run its shutdown hooks.
     */
    private Process start(Map<String, String> env, Path stdout, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("/usr/bin/perl", "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die",
                "--", ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(stdout.toFile())
                .redirectError(dir.resolve("stderr").toFile());
        builder.environment().remove("LOG_ADDRESSES");
        builder.environment().putAll(env);
        return builder.start();
    }

    private Run ended(Process p, Path stdout) throws IOException {
        Run run = new Run(p.exitValue(), Files.isRegularFile(stdout) ? Files.readString(stdout) : "",
                Files.readString(dir.resolve("stderr")));
        // JBoss LogManager's complaint came with every run (Main sets java.util.logging.manager now).
        assertFalse(run.stderr().contains("LogManager accessed before"), run.stderr());
        return run;
    }

    private Run check(String input, String... options) throws Exception {
        Path file = dir.resolve("input.txt");
        Files.writeString(file, input);
        // The test zones' mail hosts sit on loopback and documentation addresses.
        List<String> args = new ArrayList<>(List.of("check", "--dns", Nsd.shared().hostPort(), "--allow-private-mx"));
        args.addAll(List.of(options));
        args.add(file.toString());
        return run(new byte[0], args.toArray(String[]::new));
    }

    @Test
    void oneJsonlRecordPerLineInInputOrder() throws Exception {
        // address as given -> verdict, reason (blank and broken lines included)
        List<String[]> table = List.of(
                new String[] {"someone@good.checker.test", "deliverable", "accepts_mail"},
                new String[] {"user@nullmx.checker.test", "undeliverable", "null_mx"},
                new String[] {"", "undeliverable", "invalid_syntax"},
                new String[] {"not an address", "undeliverable", "invalid_syntax"},
                new String[] {"user@absent.checker.test", "undeliverable", "no_such_domain"},
                new String[] {"user@servfail.test", "unknown", "dns_failure"},
                new String[] {"user@implicit-aaaa.checker.test", "deliverable", "accepts_mail"},
                new String[] {"someone@good.checker.test", "deliverable", "accepts_mail"});
        String input = String.join("\n", table.stream().map(row -> row[0]).toList()) + "\n";
        Run run = check(input, "--format", "jsonl");
        assertEquals(0, run.exit(), run.stderr());
        List<JsonNode> results = run.jsonl();
        assertEquals(table.size(), results.size(), run.stdout());
        for (int i = 0; i < table.size(); i++) {
            JsonNode r = results.get(i);
            assertEquals(table.get(i)[0], r.get("address").asText());
            assertEquals(table.get(i)[1], r.get("verdict").asText(), r::toString);
            assertEquals(table.get(i)[2], r.get("reason").asText(), r::toString);
            for (String field : List.of("normalized", "domain", "detail", "predicted_reply", "mx", "mx_fallback")) {
                assertTrue(r.has(field), field + " missing in " + r);
            }
        }
        JsonNode nullMx = results.get(1);
        assertEquals(556, nullMx.at("/predicted_reply/code").asInt());
        assertEquals("5.1.10", nullMx.at("/predicted_reply/enhanced").asText());
        assertEquals("/v1/smtp-codes/556", nullMx.at("/predicted_reply/reference").asText());
        assertEquals("AAAA", results.get(6).get("mx_fallback").asText());
        assertEquals("mx1.checker.test", results.get(0).at("/mx/0/host").asText());
        assertTrue(run.stderr().contains("8 addresses"), run.stderr());
        assertTrue(run.stderr().contains("5 unique domains, 5 MX queries (1.00 per domain)"), run.stderr());
    }

    @Test
    void csvWithHeaderAndQuotedFields() throws Exception {
        String csv = """
                name,Email,note
                "Doe, Jane",jane@good.checker.test,"said ""hi\"\"\"
                Nobody,"user@nullmx.checker.test",
                Blank,,
                Short
                """;
        Run run = check(csv, "--format", "jsonl");
        assertEquals(0, run.exit(), run.stderr());
        List<JsonNode> results = run.jsonl();
        assertEquals(List.of("accepts_mail", "null_mx", "invalid_syntax", "invalid_syntax"),
                results.stream().map(r -> r.get("reason").asText()).toList());
        assertEquals("jane@good.checker.test", results.get(0).get("address").asText());
        assertTrue(results.get(3).get("detail").asText().contains("no value in the 'Email' column"));
    }

    @Test
    void csvOutputHasAHeaderAndARowPerAddress() throws Exception {
        Run run = check("a@good.checker.test\nb@nullmx.checker.test\n", "--format", "csv");
        assertEquals(0, run.exit(), run.stderr());
        MappingIterator<Map<String, String>> rows = new CsvMapper().readerForMapOf(String.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(run.stdout());
        List<Map<String, String>> all = rows.readAll();
        assertEquals(2, all.size());
        assertEquals("556", all.get(1).get("predicted_code"));
        assertEquals("5.1.10", all.get(1).get("predicted_enhanced"));
        assertEquals("10 mx1.checker.test; 20 mx2.checker.test", all.get(0).get("mx"));
    }

    /** --security adds each domain's transport security, in JSONL and CSV; the MX stage's queries stay one per domain. */
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # options                  | format | address        | dnssec   | dane  | mta_sts | tls_rpt
            --security --dns-validates  | jsonl  | a@secure.test  | secure   | true  | true    | true
            --security --dns-validates  | csv    | a@secure.test  | secure   | true  | true    | true
            --security --dns-validates  | jsonl  | b@plain.test   | insecure | false | false   | false
            --security                  | csv    | b@plain.test   | unknown  | false | false   | false
            --security --dns-validates  | jsonl  | c@bogus.test   | unknown  | -     | -       | -
            --dns-validates             | jsonl  | a@secure.test  | -        | -     | -       | -
            --dns-validates             | csv    | a@secure.test  | -        | -     | -       | -
            """)
    void securityReportWhenAsked(String options, String format, String address, String dnssec, Boolean dane,
                                 Boolean mtaSts, Boolean tlsRpt) throws Exception {
        Path file = dir.resolve("security.txt");
        Files.writeString(file, address + "\n");
        List<String> args = new ArrayList<>(List.of("check", "--dns", Unbound.validating().hostPort()));
        args.addAll(List.of(options.split(" ")));
        args.addAll(List.of("--format", format, file.toString()));
        Run run = run(new byte[0], args.toArray(String[]::new));
        assertEquals(0, run.exit(), run.stderr());
        assertTrue(run.stderr().contains("1 unique domains, 1 MX queries (1.00 per domain)"), run.stderr());
        // Both formats read as field -> text; what JSON writes as null, CSV leaves empty.
        Map<String, String> fields = new java.util.HashMap<>();
        if (format.equals("csv")) {
            new CsvMapper().readerForMapOf(String.class).with(CsvSchema.emptySchema().withHeader())
                    .<Map<String, String>>readValues(run.stdout()).next()
                    .forEach((k, v) -> fields.put(k, v.isEmpty() ? null : v));
        } else {
            JsonNode security = run.jsonl().getFirst().get("security");
            assertEquals(dnssec == null, security.isNull(), run.stdout());
            security.properties().forEach(e -> fields.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
        }
        assertEquals(Arrays.asList(dnssec, str(dane), str(mtaSts), str(tlsRpt)),
                Arrays.asList(fields.get("dnssec"), fields.get("dane"), fields.get("mta_sts"), fields.get("tls_rpt")),
                run.stdout());
    }

    private static String str(Boolean b) {
        return b == null ? null : b.toString();
    }

    @Test
    void signalsInEveryFormat() throws Exception {
        // gmial.con does not exist (zones/con.zone); "postmaster" names a role.
        String input = "ann@gmial.con\nPostmaster@good.checker.test\n";
        List<JsonNode> jsonl = check(input, "--format", "jsonl").jsonl();
        assertEquals("ann@gmail.com", jsonl.get(0).at("/suggestion/address").asText());
        assertEquals("gmail.com", jsonl.get(0).at("/suggestion/domain").asText());
        assertTrue(jsonl.get(1).get("role").asBoolean());
        assertTrue(jsonl.get(1).get("suggestion").isNull());
        for (String field : List.of("role", "disposable", "free_provider", "suggestion")) {
            assertTrue(jsonl.get(0).has(field), field + " missing in " + jsonl.get(0));
        }

        List<Map<String, String>> csv = new CsvMapper().readerForMapOf(String.class)
                .with(CsvSchema.emptySchema().withHeader()).<Map<String, String>>readValues(check(input, "--format", "csv")
                        .stdout()).readAll();
        assertEquals("ann@gmail.com", csv.get(0).get("suggestion"));
        assertEquals("true", csv.get(1).get("role"));
        assertEquals("false", csv.get(1).get("free_provider"));

        String table = check(input, "--format", "table").stdout();
        assertTrue(table.lines().anyMatch(l -> l.startsWith("undeliverable") && l.contains("did you mean ann@gmail.com?")),
                table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("deliverable") && l.contains(" role ")), table);
    }

    @Test
    void aGzipStreamCutShortKeepsTheResultsBeforeTheBreakAndSaysSo() throws Exception {
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(whole)) {
            // Enough that the cut falls well past the readers' first buffers.
            for (int i = 0; i < 100_000; i++) {
                gz.write(("user" + i + "@good.checker.test\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] cut = Arrays.copyOf(whole.toByteArray(), whole.size() / 2);
        Run run = run(cut, "check", "--dns", Nsd.shared().hostPort(), "-");
        assertEquals(CheckCommand.INPUT_BROKE_OFF, run.exit(), run.stderr());
        List<JsonNode> results = run.jsonl();
        assertTrue(results.size() > 0 && results.size() < 100_000, results.size() + " results");
        for (int i = 0; i < results.size(); i++) {
            assertEquals("user" + i + "@good.checker.test", results.get(i).get("address").asText());
        }
        assertTrue(run.stderr().contains("broke off after " + results.size() + " records, at line " + (results.size() + 1)),
                run.stderr());
        assertFalse(run.stderr().contains("Exception in thread"), run.stderr());
    }

    /** A stray quote used to turn the rest of the file into one invalid_syntax record, and exit 0. */
    @Test
    void aCsvThatBreaksIsACutInputWithItsLineNumber() throws Exception {
        Run run = check("""
                Name,E-Mail
                Ann,ann@good.checker.test
                Bob "the builder",bob@good.checker.test
                "Cy,cy@good.checker.test
                Di,di@good.checker.test
                """, "--format", "jsonl");
        assertEquals(CheckCommand.INPUT_BROKE_OFF, run.exit(), run.stderr());
        assertEquals(List.of("ann@good.checker.test", "bob@good.checker.test"),
                run.jsonl().stream().map(r -> r.get("address").asText()).toList());
        assertTrue(run.stderr().contains("broke off after 2 records, at line 4 (Missing closing quote"), run.stderr());
    }

    /** The address column goes by many names; when none is found the message names the headers there are. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # header line             | --column   | exit | on stdout or stderr
            Name,E-Mail-Adresse,Phone |            | 0    | ann@good.checker.test
            Name,Email Address,Phone  |            | 0    | ann@good.checker.test
            Name,Contact,Phone        | contact    | 0    | ann@good.checker.test
            Name,Contact,Phone        |            | 2    | its columns are: Name, Contact, Phone. Name the address column with --column, or read one address per line with --input-format lines.
            Name,E-Mail,Phone         | Email      | 2    | the CSV header has no 'Email' column; its columns are: Name, E-Mail, Phone
            """)
    void theAddressColumnIsFoundByItsNameOrTheHeadersAreNamed(String header, String column, int exit, String says)
            throws Exception {
        assertOneAddressOrAMessage(check(header + "\nAnn,ann@good.checker.test,555\n", column == null
                ? new String[] {"--format", "jsonl"} : new String[] {"--format", "jsonl", "--column", column}), exit, says);
    }

    /** Exit 0 with the one address {@code says} accepting mail, or {@code exit} with {@code says} on stderr. */
    private static void assertOneAddressOrAMessage(Run run, int exit, String says) throws IOException {
        assertEquals(exit, run.exit(), run.stderr());
        if (exit == 0) {
            assertEquals(List.of(says), run.jsonl().stream().map(r -> r.get("address").asText()).toList());
            assertEquals("accepts_mail", run.jsonl().getFirst().get("reason").asText());
        } else {
            assertTrue(run.stderr().contains(says), run.stderr());
            assertEquals("", run.stdout());
        }
    }

    /**
     * Before: a header over 1,000 characters (61 columns) or split by ';' made every row an invalid_syntax
     * "address", exit 0; with --input-format csv --column email the first exited 2 naming an 'email' column it listed.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # input                  | options                           | exit | on stdout or stderr
            61 columns, email first  |                                   | 0    | ann@good.checker.test
            61 columns, email first  | --input-format csv --column email | 0    | ann@good.checker.test
            semicolons               |                                   | 0    | ann@good.checker.test
            semicolons, no address   |                                   | 2    | its columns are: Vorname, Nachname, Telefon. Name the address column
            """)
    void exportsAsSpreadsheetsWriteThemAreRead(String input, String options, int exit, String says) throws Exception {
        String text = switch (input) {
            case "61 columns, email first" -> "email," + IntStream.range(1, 61)
                    .mapToObj(i -> "merge_field_" + i + "_last_changed").collect(Collectors.joining(","))
                    + "\nann@good.checker.test" + ",x".repeat(60) + "\n";
            case "semicolons" -> "Vorname;E-Mail-Adresse;Telefon\nAnn;ann@good.checker.test;555\n";
            default -> "Vorname;Nachname;Telefon\nAnn;ann@good.checker.test;555\n";
        };
        List<String> args = new ArrayList<>(List.of("--format", "jsonl"));
        if (options != null) {
            args.addAll(List.of(options.split(" ")));
        }
        assertOneAddressOrAMessage(check(text, args.toArray(String[]::new)), exit, says);
    }

    /** Before: the progress bar's total counted raw lines, so a gzip list's was its compressed bytes' line breaks. */
    @ParameterizedTest(name = "{0}, gzip {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # input (\\n between lines)                                      | gzip  | format | records
            a@example.com\\nb@example.com\\nc@example.com\\n                   | false | AUTO   | 3
            a@example.com\\nb@example.com\\nc@example.com\\n                   | true  | AUTO   | 3
            name,email\\nAnn,a@example.com\\n"Bob\\nJr",b@example.com\\n         | true  | AUTO   | 2
            Vorname;E-Mail\\nAnn;a@example.com\\nBob;b@example.com\\n          | false | AUTO   | 2
            name,email\\nAnn,a@example.com\\n                                | false | LINES  | 2
            """)
    void theProgressTotalIsTheRecordsAsTheRunReadsThem(String text, boolean gzip, InputRecords.Format format,
            long records) throws IOException {
        // Many records, so that gzip packs them into far fewer bytes (and line breaks) than the text has.
        String input = text.replace("\\n", "\n");
        String body = input.contains(",") || input.contains(";") ? input.substring(input.indexOf('\n') + 1) : input;
        String many = input + body.repeat(9_999);
        byte[] bytes = many.getBytes(StandardCharsets.UTF_8);
        if (gzip) {
            ByteArrayOutputStream packed = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(packed)) {
                out.write(bytes);
            }
            bytes = packed.toByteArray();
        }
        Path file = dir.resolve(gzip ? "list.gz" : "list.txt");
        Files.write(file, bytes);
        long expected = format == InputRecords.Format.LINES ? many.lines().count() : records * 10_000;
        assertEquals(expected, CheckCommand.countRecords(file, format, null));
    }

    /** Writing to standard output on a full disk exited 0; -o on one printed a 27-frame stack trace. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"standard output", "-o"})
    void aWriteErrorIsOneMessageAndExitOne(String where) throws Exception {
        Path input = dir.resolve("input.txt");
        Files.writeString(input, "a@good.checker.test\nb@nullmx.checker.test\n");
        Path devFull = Path.of("/dev/full");
        List<String> args = new ArrayList<>(List.of("check", "--dns", Nsd.shared().hostPort(), input.toString()));
        if (where.equals("-o")) {
            args.addAll(List.of("-o", devFull.toString()));
        }
        Run run = run(Map.of(), new byte[0], where.equals("-o") ? dir.resolve("stdout") : devFull, args.toArray(String[]::new));
        assertEquals(CheckCommand.OUTPUT_FAILED, run.exit(), run.stderr());
        assertTrue(run.stderr().contains("cannot write the results to " + (where.equals("-o") ? devFull : where)
                + " (No space left on device)"), run.stderr());
        assertFalse(run.stderr().contains("\tat "), run.stderr());
    }

    /**
     * Ctrl-C or kill mid-run: the results already finished reach the output (they sat in its buffer before),
     * in input order, and standard error says how many. Checks behind one stuck on a silent DNS server count.
     */
    @ParameterizedTest(name = "SIG{0}")
    @CsvSource({"TERM, 143", "INT, 130"})
    void aSignalWritesTheResultsAlreadyFinishedAndSaysHowMany(String signal, int exit) throws Exception {
        Name silent = Name.fromConstantString("silent.test.");
        List<String> input = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            input.add("before@nx" + i + ".test");
        }
        input.add("someone@silent.test");
        for (int i = 0; i < 10; i++) {
            input.add("not an address " + i);
        }
        for (int i = 5; i < 10; i++) {
            input.add("after@nx" + i + ".test");
        }
        Path file = dir.resolve("input.txt");
        Files.write(file, input);
        // MX queries for silent.test go unanswered; every other name does not exist.
        try (FakeDnsServer dns = new FakeDnsServer((query, transport) -> query.getQuestion().getName().equals(silent) ? null
                : FakeDnsServer.reply(query, Rcode.NXDOMAIN).toWire())) {
            Path stdout = dir.resolve("stdout");
            Process p = start(Map.of(), stdout, "check", "--dns", "127.0.0.1:" + dns.address().getPort(),
                    "--dns-timeout-ms", "600000", "--format", "jsonl", file.toString());
            // Once the last domain is asked about, every record has been read and the shutdown hook is in place.
            Name last = Name.fromConstantString("nx9.test.");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (dns.queries().stream().noneMatch(q -> q.name().equals(last)) && p.isAlive()) {
                assertTrue(System.nanoTime() < deadline, "the run never asked about nx9.test");
                Thread.sleep(20);
            }
            assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "still running after SIG" + signal);
            Run run = ended(p, stdout);

            assertEquals(exit, run.exit(), run.stderr());
            List<String> written = run.jsonl().stream().map(r -> r.get("address").asText()).toList();
            Matcher said = Pattern.compile("the (\\d+) results finished are written, in input order; (\\d+) checks still"
                    + " running").matcher(run.stderr());
            assertTrue(said.find(), run.stderr());
            assertEquals(written.size(), Integer.parseInt(said.group(1)), run.stderr());
            assertEquals(input.size(), written.size() + Integer.parseInt(said.group(2)), run.stderr());
            assertFalse(written.contains("someone@silent.test"), written::toString);
            assertTrue(written.containsAll(input.subList(6, 16)), "every unreadable address was finished: " + written);
            assertEquals(input.stream().filter(written::contains).toList(), written, "in input order");
        }
    }

    @Test
    void readsStandardInputAndSurvivesBadBytes() throws Exception {
        byte[] input = "ok@good.checker.test\nbad\u00ff@good.checker.test\n".getBytes(StandardCharsets.ISO_8859_1);
        Run run = run(input, "check", "--dns", Nsd.shared().hostPort(), "--allow-private-mx", "-");
        assertEquals(0, run.exit(), run.stderr());
        List<JsonNode> results = run.jsonl();
        assertEquals(2, results.size());
        assertEquals("accepts_mail", results.get(0).get("reason").asText());
        assertTrue(results.get(1).get("detail").asText().contains("not valid UTF-8"), results.get(1)::toString);
    }

    /** Without --allow-private-mx the DNS stage already refuses an MX host that is not on the Internet. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # address                    | option             | verdict       | reason
            user@loopback.private.test   | (none)             | undeliverable | mx_private_address
            user@link-local.private.test | (none)             | undeliverable | mx_private_address
            user@6to4.private.test       | (none)             | undeliverable | mx_private_address
            user@mix.private.test        | (none)             | deliverable   | accepts_mail
            user@loopback.private.test   | --allow-private-mx | deliverable   | accepts_mail
            """)
    void privateMxHostsTakeNoMailUnlessAllowed(String address, String option, String verdict, String reason)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("check", "--dns", Nsd.shared().hostPort(), "-"));
        if (option.startsWith("--")) {
            args.add(1, option);
        }
        Run run = run((address + "\n").getBytes(StandardCharsets.UTF_8), args.toArray(String[]::new));
        assertEquals(0, run.exit(), run.stderr());
        JsonNode r = run.jsonl().getFirst();
        assertEquals(verdict, r.get("verdict").asText(), r::toString);
        assertEquals(reason, r.get("reason").asText(), r::toString);
    }

    @Test
    void smtpProbeAddsTheServersAnswer() throws Exception {
        Run run = check("alice@strict.smtp.test\nzed@strict.smtp.test\nuser@nullmx.checker.test\n", "--format", "jsonl",
                "--smtp", "--smtp-data", "--smtp-port", Integer.toString(Postfix.shared().port()),
                "--helo", "prober.checker.test", "--smtp-timeout", "rcpt=5000");
        assertEquals(0, run.exit(), run.stderr());
        List<JsonNode> results = run.jsonl();
        assertEquals(List.of("mailbox_accepted", "mailbox_rejected", "null_mx"),
                results.stream().map(r -> r.get("reason").asText()).toList());
        JsonNode accepted = results.get(0).get("smtp");
        assertEquals("data_354", accepted.get("stage").asText());
        assertEquals("rejects_unknown", accepted.get("catch_all").asText());
        assertEquals("established", accepted.get("starttls").asText());
        assertEquals(354, accepted.at("/replies").get(accepted.get("replies").size() - 1).get("code").asInt());
        JsonNode rejected = results.get(1);
        assertEquals(550, rejected.at("/predicted_reply/code").asInt());
        assertEquals("5.1.1", rejected.at("/predicted_reply/enhanced").asText());
        assertTrue(results.get(2).get("smtp").isNull(), "no probe for a null-MX domain");
        assertTrue(run.stderr().contains("SMTP: "), run.stderr());
    }

    /** Standard error is a log: it shows j***@example.com unless whole addresses are asked for. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"default, false", "--log-addresses, true", "LOG_ADDRESSES=true, true"})
    void messagesOnStandardErrorMaskAddresses(String how, boolean whole) throws Exception {
        Path file = dir.resolve("no-header.csv");
        Files.writeString(file, "jane.doe@good.checker.test\n");
        List<String> args = new ArrayList<>(List.of("check", "--input-format", "csv", file.toString()));
        if (how.startsWith("--")) {
            args.add(1, how);
        }
        Run run = run(how.contains("=") ? Map.of("LOG_ADDRESSES", "true") : Map.of(), new byte[0], dir.resolve("stdout"),
                args.toArray(String[]::new));
        assertEquals(2, run.exit(), run.stderr());
        assertTrue(run.stderr().contains("its columns are: "), run.stderr());
        assertEquals(whole, run.stderr().contains("jane.doe@good.checker.test"), run.stderr());
        assertEquals(!whole, run.stderr().contains("j***@good.checker.test"), run.stderr());
    }

    /**
     * Each refused up front with one line and exit 2. An unresolvable --dns name used to leak a socket and an
     * in-flight slot per query until every check waited for its deadline; a timeout of 0 meant none at all and
     * a negative one "failed unexpectedly". No row sends a DNS query: the names fail before any lookup.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # arguments                                         | says
            check NOPE                                          | no such file
            check --dns 127.0.0.1:99999 -                       | --dns wants HOST or HOST:PORT
            check --dns nosuchhost.invalid -                    | --dns cannot resolve nosuchhost.invalid: names under .invalid never resolve (RFC 6761)
            check --dns bad_name!:53 -                          | --dns wants a host name or an IP address, not bad_name!
            check --dns 999.1.1.1 -                             | --dns wants an IP address, not 999.1.1.1
            check --dns 127.0.0.1 --smtp --smtp-timeout connect=0 -  | the connect timeout must be from 1 ms to 10 minutes, not 0 ms
            check --dns 127.0.0.1 --smtp --smtp-timeout rcpt=-5 -    | the rcpt timeout must be from 1 ms to 10 minutes, not -5 ms
            check --dns 127.0.0.1 --smtp --smtp-timeout data_354=5 - | no timeout for the stage data_354; the stages are connect, greeting, ehlo, helo, starttls, mail, rcpt, data, rset, quit
            """)
    void unusableArgumentsExitTwoWithOneLine(String arguments, String says) throws Exception {
        Run run = run(new byte[0], arguments.replace("NOPE", dir.resolve("nope.txt").toString()).split(" "));
        assertEquals(2, run.exit(), run.stderr());
        assertTrue(run.stderr().contains(says), run.stderr());
        assertFalse(run.stderr().contains("\tat ") || run.stderr().contains("Exception"), run.stderr());
    }

    /**
     * The budgets from the command line: two domains whose mail goes to one MX address (strict's, and
     * failover's second) at 60 new sessions a minute: one of them waits, and the summary says so.
     */
    @Test
    void theSummarySaysWhatWaitedForABudget() throws Exception {
        Run run = check("alice@strict.smtp.test\nalice@failover.smtp.test\n", "--format", "jsonl", "--smtp",
                "--smtp-port", Integer.toString(Postfix.shared().port()), "--helo", "prober.checker.test",
                "--smtp-connect-rate", "60/min", "--smtp-rcpt-rate", "0");
        assertEquals(0, run.exit(), run.stderr());
        assertTrue(run.stderr().contains("held back at mx-strict.smtp.test: 0 not tried (block breaker), 1 waited for a budget"),
                run.stderr());
        Run bad = check("alice@strict.smtp.test\n", "--smtp", "--smtp-rcpt-rate", "fast");
        assertEquals(2, bad.exit());
        assertTrue(bad.stderr().contains("a rate is N/min or N/s"), bad.stderr());
    }

    /** The help named stages the option did not take (data_354) and left out ones it did (helo, rset, quit). */
    @Test
    void theSmtpTimeoutHelpListsTheStagesItTakes() throws Exception {
        assertEquals(dev.mailcheck.smtp.SmtpSettings.stageNames(), PipelineOptions.TIMED_STAGES);
        Run help = run(new byte[0], "check", "--help");
        assertTrue(help.stdout().replaceAll("\\s+", " ").contains("STAGE is one of " + dev.mailcheck.smtp.SmtpSettings.stageNames()),
                help.stdout());
    }

    /**
     * Rechecks against a real postgrey that lets a retry through after two seconds, and a scripted server whose
     * mailbox answers 451 for ever. The address checked after the deferred one comes out after it, in input
     * order. The server's hint is 300 s: that the run ends at all shows that the window shortened the waits.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # scenario                                     | server   | options                          | reason            | tries | on standard error
            greylisted, no recheck                         | postgrey | --recheck-temporary 0            | temporary_failure | 1     | -
            greylisted, rechecked after postgrey's delay   | postgrey | --recheck-temporary 2 --recheck-window 8 | mailbox_accepted | 2 | to recheck 1 deferred address (try 2 of 3)
            always 451: every try used, within the window  | 451      | --recheck-temporary 2 --recheck-window 4 | temporary_failure | 3 | 1 deferred address (try 2 of 3)
            always 451, one recheck                        | 451      | --recheck-temporary 1 --recheck-window 3 | temporary_failure | 2 | (try 2 of 2)
            always 451, quiet: no waiting line             | 451      | --recheck-temporary 1 --recheck-window 3 --quiet | temporary_failure | 2 | -
            """)
    void deferredAddressesAreCheckedAgainAfterTheDelay(String scenario, String server, String options, String reason,
                                                       int tries, String says) throws Exception {
        try (FakeSmtpServer always451 = new FakeSmtpServer(c -> {
            c.send("220 fake.test ESMTP\r\n");
            c.serve(verb -> verb.equals("RCPT") ? "451 4.7.1 Try again later\r\n" : FakeSmtpServer.ordinary(verb));
        })) {
            boolean postgrey = server.equals("postgrey");
            String address = postgrey ? "alice@shortgrey.smtp.test" : "anyone@strict.smtp.test";
            List<String> args = new ArrayList<>(List.of("--format", "jsonl", "--smtp",
                    "--smtp-port", Integer.toString(postgrey ? Postfix.shared().port() : always451.port()),
                    // postgrey remembers (client, sender, recipient): a sender of its own makes this run's first try new
                    "--mail-from", "recheck-" + java.util.UUID.randomUUID() + "@checker.test"));
            args.addAll(List.of(options.split(" ")));
            Run run = check(address + "\nuser@nullmx.checker.test\n", args.toArray(String[]::new));
            assertEquals(0, run.exit(), run.stderr());
            List<JsonNode> results = run.jsonl();
            assertEquals(List.of(address, "user@nullmx.checker.test"),
                    results.stream().map(r -> r.get("address").asText()).toList(), run.stdout());
            assertEquals(reason, results.get(0).get("reason").asText(), results.get(0)::toString);
            assertEquals(tries, results.get(0).get("tries").asInt(), results.get(0)::toString);
            assertEquals(1, results.get(1).get("tries").asInt(), results.get(1)::toString);
            if (!postgrey) {
                assertEquals(tries, always451.received().stream().filter(l -> l.equals("RCPT TO:<" + address + ">"))
                        .count(), always451.received()::toString);
            }
            if (says == null) {
                assertFalse(run.stderr().contains("waiting"), run.stderr());
            } else {
                assertTrue(run.stderr().contains(says), run.stderr());
            }
        }
    }
}
