package dev.mailcheck;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The layering of the package tree, checked on the compiled main classes: the stages address -> dns -> smtp
 * -> verdict, run by pipeline into lists and store, work with no AWS, Quarkus, HTTP server or command line,
 * which live at the edges (cli, api, aws). Test classes are left out: the test bed starts moto and benches borrow the CLI's logging.
 */
class ArchitectureTest {

    private static final String ROOT = "dev.mailcheck";

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    /**
     * Every package of the tree ("root" is dev.mailcheck itself), the packages of the tree it may use besides
     * itself, and why. Lower rows never use higher ones, so cli, api and aws are the only edges.
     * A result's predicted_reply.reference is the API's /v1/smtp-codes/ path: api builds it (SmtpCodes.link) and
     * hands it to the writers of results (ResultJson, LocalResultStore, ResultWriter), so no core package knows codes.
     */
    private static final String LAYERS = """
            root    | -                                                           | the words every stage shares (Reason, Verdict, SmtpReply), below everything
            codes   | -                                                           | the reply-code reference: texts, no stage of the pipeline
            address | root                                                        | syntax is the first stage and knows none after it
            dns     | root                                                        | MX and transport security know no address syntax, no SMTP, no verdict
            signals | root, address                                               | role, disposable, free provider and typo come from the address alone
            smtp    | root, address, dns                                          | the probe talks to the hosts DNS found; the verdict is not its to give
            verdict | root, address, dns, signals, smtp                           | puts the stages' answers into one result (CheckResult), written as ResultJson
            lists   | root, address, dns, signals, verdict                        | reads inputs and writes results, whoever runs the checks
            store   | root, verdict                                               | keeps results and jobs without knowing a stage or a transport
            pipeline | root, address, dns, signals, smtp, verdict, lists, store   | runs the stages: one address (Checker), many in order (Batch), rechecks, a list, a stored run
            jobs    | root, verdict, lists, store, pipeline                       | one job workflow for serve and Lambda: queue, files and events are its ports
            api     | root, codes, address, dns, signals, smtp, verdict, lists, store, pipeline, jobs | the HTTP API over the core, the same behind serve and Lambda
            aws     | root, codes, address, dns, signals, smtp, verdict, lists, store, pipeline, jobs, api | Lambda, S3, SQS and DynamoDB around the core and the API
            cli     | root, codes, address, dns, signals, smtp, verdict, lists, store, pipeline, jobs, api, aws | the commands, the outermost edge: nothing uses them
            """;

    static Stream<Arguments> layers() {
        return LAYERS.lines().map(line -> line.split("\\|"))
                .map(cells -> Arguments.of(cells[0].strip(), cells[1].strip(), cells[2].strip()));
    }

    @ParameterizedTest(name = "{0} uses only: {1}")
    @MethodSource("layers")
    void packageUsesOnlyWhatItsRowNames(String layer, String mayUse, String why) {
        Set<String> forbidden = new TreeSet<>(layerNames());
        forbidden.remove(layer);
        forbidden.removeAll(split(mayUse));
        if (!forbidden.isEmpty()) {
            noClasses().that().resideInAPackage(packageOf(layer))
                    .should().dependOnClassesThat().resideInAnyPackage(forbidden.stream().map(ArchitectureTest::packageOf)
                            .toArray(String[]::new))
                    .because(why).check(MAIN);
        }
    }

    /** A package without a row would escape every rule above. */
    @Test
    void everyPackageOfTheTreeHasARow() {
        Set<String> inTree = MAIN.stream().map(ArchitectureTest::layerOf).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(layerNames()), inTree);
    }

    @Test
    void packagesHaveNoCycles() {
        slices().assignedFrom(new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass c) {
                String layer = layerOf(c);
                return layer == null ? SliceIdentifier.ignore() : SliceIdentifier.of(layer);
            }

            @Override
            public String getDescription() {
                return "the packages of " + ROOT + ", the root included";
            }
        }).should().beFreeOfCycles().check(MAIN);
    }

    /** Libraries that belong to an edge, and the only packages that may use them. */
    @ParameterizedTest(name = "{0} only in {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # library                    | its packages                                        | used only in | why
            AWS SDK and Lambda           | software.amazon.., com.amazonaws..                  | aws, cli     | the core runs and is tested with no AWS; `checker invoke` reads Lambda events
            Quarkus, CDI, JBoss logging  | io.quarkus.., io.smallrye.., jakarta.., org.jboss.. | aws, cli     | Quarkus only packages the Lambda functions; the core is plain Java
            HTTP servers                 | com.sun.net.httpserver.., io.vertx.., io.netty..    | cli          | `checker serve` hosts the API; the API itself is transport-free
            command line                 | picocli.., me.tongfei..                             | cli          | options, progress bars and terminals are the CLI's
            """)
    void edgeLibraryOnlyAtItsEdges(String library, String packages, String usedOnlyIn, String why) {
        noClasses().that().resideOutsideOfPackages(split(usedOnlyIn).stream().map(ArchitectureTest::packageOf)
                        .toArray(String[]::new))
                .should().dependOnClassesThat().resideInAnyPackage(split(packages).toArray(String[]::new))
                .because(why).check(MAIN);
    }

    private static List<String> layerNames() {
        return layers().map(a -> (String) a.get()[0]).toList();
    }

    private static String packageOf(String layer) {
        return layer.equals("root") ? ROOT : ROOT + "." + layer + "..";
    }

    /** The row a class falls under: "root" for dev.mailcheck itself, else the package below it; null outside. */
    private static String layerOf(JavaClass c) {
        String name = c.getPackageName();
        if (name.equals(ROOT)) {
            return "root";
        }
        return name.startsWith(ROOT + ".") ? name.substring(ROOT.length() + 1).split("\\.")[0] : null;
    }

    private static List<String> split(String list) {
        return list.equals("-") ? List.of() : Arrays.stream(list.split(",")).map(String::strip).toList();
    }
}
