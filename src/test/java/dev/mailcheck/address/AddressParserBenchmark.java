package dev.mailcheck.address;

import com.sanctionco.jmail.JMail;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The syntax stage per address: this project's parser (JMail's grammar plus its own rules, IDNA2008,
 * normalisation, messages) against JMail's bare validation. Run by bench/run (section "syntax").
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AddressParserBenchmark {

    /** A list's usual mix: mostly plain, some mixed case, IDN, UTF-8 local parts, and broken ones. */
    static final List<String> ADDRESSES = List.of(
            "jane.doe@example.com", "John.Smith+news@Example.COM", "info@bücher.de", "用户@例子.广告",
            "a@b.co", "user@sub.domain.example.org", "first_last@company.io", "x@straße.de",
            "not an address", "two@@ats.example", "trailing.dot.@example.com", "\"quoted\"@example.com",
            "someone@localhost", "user@[192.0.2.1]", "very.long.local.part.with.many.dots@example.net",
            "ünïcode@smtp.example");

    private final AddressParser parser = new AddressParser();

    @Benchmark
    @OperationsPerInvocation(16)
    public void ours(Blackhole bh) {
        for (String a : ADDRESSES) {
            bh.consume(parser.parse(a));
        }
    }

    @Benchmark
    @OperationsPerInvocation(16)
    public void jmailAlone(Blackhole bh) {
        for (String a : ADDRESSES) {
            bh.consume(JMail.tryParse(a));
        }
    }
}
