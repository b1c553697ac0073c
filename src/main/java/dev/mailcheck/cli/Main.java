package dev.mailcheck.cli;

import dev.mailcheck.LogPrivacy;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;
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
        // JBoss LogManager (Quarkus' logging, here for the Lambda functions) is also the JDK's System.LoggerFinder.
        // Unless java.util.logging is managed by it from the very start, the first System.Logger asked for
        // (System.exit asks for one to log the exit) prints "ERROR: The LogManager accessed before ...".
        // Quarkus' own launcher sets this property first thing too; here before any logger class is loaded.
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        ConsoleLogging.install();
        System.exit(commandLine().execute(args));
    }

    /** The command line as main runs it; tests redirect its output. */
    static CommandLine commandLine() {
        // UTF-8 whatever the platform's locale says: explanations are in Arabic too.
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true))
                .setParameterExceptionHandler(Main::shortMessage);
    }

    /** An unusable argument or input: the message and where to read more, not the whole usage text. */
    private static int shortMessage(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println(command.getColorScheme().errorText(e.getMessage()));
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for more information.");
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }
}
