package dev.mailcheck.testbed;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The test bed by hand, for demos and benchmarks: NSD with the test zones and the test Postfix, on
 * loopback. Prints {@code --dns 127.0.0.1:P --smtp-port Q} (the options the CLI needs to use them)
 * and runs until standard input closes.
 */
public final class TestBed {

    private TestBed() {
    }

    public static void main(String[] args) throws IOException {
        try (Nsd nsd = Nsd.shared(); Postfix postfix = Postfix.shared()) {
            System.out.println("--dns " + nsd.hostPort() + " --smtp-port " + postfix.port() + " --allow-private-mx");
            System.out.flush();
            System.in.transferTo(OutputStream.nullOutputStream());
        }
    }
}
