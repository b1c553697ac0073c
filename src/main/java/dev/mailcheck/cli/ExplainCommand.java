package dev.mailcheck.cli;

import dev.mailcheck.codes.CodeEntry;
import dev.mailcheck.codes.Language;
import dev.mailcheck.codes.ReplyCodes;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Explains SMTP reply codes: their class, what they mean, when you see them and what to do,"
                + " in English or Arabic; codes that are easily confused (354 and 556) are compared.",
                "The same texts as GET /v1/smtp-codes/{code}."})
final class ExplainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "CODE", description = "Reply codes, such as 556 or 354 556.")
    List<Integer> codes;

    @Option(names = "--lang", defaultValue = "en", paramLabel = "en|ar",
            description = "Language of the explanation (default: ${DEFAULT-VALUE}).")
    Language language;

    @Override
    public Integer call() {
        ReplyCodes reference = ReplyCodes.bundled();
        List<CodeEntry> entries = new ArrayList<>();
        for (int code : new LinkedHashSet<>(codes)) {
            entries.add(reference.entry(code, language).orElseThrow(() -> new ParameterException(spec.commandLine(),
                    "no SMTP reply code " + code + " in the reference; it explains "
                            + reference.codes().stream().map(String::valueOf).collect(Collectors.joining(" ")))));
        }
        PrintWriter out = spec.commandLine().getOut();
        // Each comparison once, after the codes, however many of its codes were asked for.
        Set<CodeEntry.Comparison> comparisons = new LinkedHashSet<>();
        for (CodeEntry e : entries) {
            out.println(e.code() + "  " + e.className());
            out.println("  " + reference.label(language, "meaning") + ": " + e.meaning());
            out.println("  " + reference.label(language, "when") + ": " + e.when());
            out.println("  " + reference.label(language, "fix") + ": " + e.fix());
            out.println();
            comparisons.addAll(e.comparisons());
        }
        for (CodeEntry.Comparison c : comparisons) {
            out.println(reference.label(language, "compare") + " " + c.codes().stream().map(String::valueOf)
                    .collect(Collectors.joining(" / ")) + ":");
            out.println("  " + c.text());
            out.println();
        }
        out.flush();
        return 0;
    }
}
