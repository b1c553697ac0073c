package dev.mailcheck.cli;

import java.util.logging.Handler;
import java.util.logging.Level;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.Logger;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.jboss.logmanager.handlers.ConsoleHandler;

/**
 * Logging outside Lambda. The libraries log through SLF4J into JBoss LogManager (Quarkus' choice for
 * the functions), and outside a Quarkus runtime its start-up configuration enables every level and
 * holds every record back for a Quarkus that never comes: dnsjava then renders each DNS packet as text
 * and keeps it, which cost nine tenths of a batch's DNS time and grew without bound. Here: warnings and
 * errors go to standard error, nothing is kept. The checker's own code logs through java.util.logging too
 * (defects through {@code dev.mailcheck.Defects}, the Lambda handlers' lines at INFO, which {@code checker invoke}
 * shows as Lambda would), so its INFO lines pass; the libraries' do not.
 */
public final class ConsoleLogging {

    private ConsoleLogging() {
    }

    public static void install() {
        Logger root = LogContext.getLogContext().getLogger("");
        ConsoleHandler stderr = new ConsoleHandler(ConsoleHandler.Target.SYSTEM_ERR, new PatternFormatter("%p %c: %m%n"));
        stderr.setLevel(Level.INFO);
        root.setHandlers(new Handler[] {stderr});
        root.setLevel(Level.WARNING);
        LogContext.getLogContext().getLogger("dev.mailcheck").setLevel(Level.INFO);
    }
}
