package dev.mailcheck.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "checker", mixinStandardHelpOptions = true, version = "checker 0.1.0",
        description = "Tells, before you send, whether mail to an address would be accepted.",
        subcommands = {CheckCommand.class, ServeCommand.class, InvokeCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }
}
