package dev.mailcheck.cli;

import dev.mailcheck.LogPrivacy;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

@Command(name = "checker", mixinStandardHelpOptions = true, version = "checker 0.1.0",
        description = "Tells, before you send, whether mail to an address would be accepted.",
        subcommands = {CheckCommand.class, ServeCommand.class, InvokeCommand.class, ExplainCommand.class})
public final class Main {

    @Option(names = "--log-addresses", scope = ScopeType.INHERIT,
            description = "Let messages on standard error and Lambda logs show whole addresses; by default they show"
                    + " j***@example.com (the environment's LOG_ADDRESSES=true does the same). Results always show them.")
    void logAddresses(boolean show) {
        if (show) {
            LogPrivacy.showAddresses(true);
        }
    }

    public static void main(String[] args) {
        ConsoleLogging.install();
        System.exit(commandLine().execute(args));
    }

    /** The command line as main runs it; tests redirect its output. */
    static CommandLine commandLine() {
        // UTF-8 whatever the platform's locale says: explanations are in Arabic too.
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
    }
}
