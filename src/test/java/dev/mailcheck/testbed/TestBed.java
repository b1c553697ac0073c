package dev.mailcheck.testbed;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * The test bed by hand, for demos and benchmarks: NSD with the test zones (or the zone files in the
 * directory {@code args[0]}) and the test Postfix, on loopback. Prints {@code --dns 127.0.0.1:P
 * --smtp-port Q} (the options the CLI needs to use them), then Postfix's log file on standard error ("maillog:
 * PATH"), and runs until standard input closes.
 */
public final class TestBed {

    private TestBed() {
    }

    public static void main(String[] args) throws IOException {
        try (Nsd nsd = args.length > 0 ? Nsd.start(Path.of(args[0]).toAbsolutePath()) : Nsd.shared();
             Postfix postfix = Postfix.shared()) {
            System.out.println("--dns " + nsd.hostPort() + " --smtp-port " + postfix.port() + " --allow-private-mx");
            System.out.flush();
            System.err.println("maillog: " + postfix.maillog()); // for audits that read the server's side
            System.in.transferTo(OutputStream.nullOutputStream());
        }
    }
}
