package dev.mailcheck.testbed;

import dev.mailcheck.cli.ConsoleLogging;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/** The test JVM logs as the CLI does (see {@link ConsoleLogging}), not as a Quarkus runtime that never starts. */
public final class TestLogging implements LauncherSessionListener {

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        ConsoleLogging.install();
    }
}
