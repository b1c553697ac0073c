package dev.mailcheck.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The zones under {@code src/test/resources/dnssec}, signed at test time with Debian's ldnsutils (fresh keys each
 * run, nothing secret in the repository) and served by their own NSD: {@code secure.test} validly signed,
 * {@code bogus.test} signed with signatures that expired in 2020, {@code plain.test} not signed. The DS records
 * of both signed zones are the trust anchors a validating {@link Unbound} is given. One instance serves the
 * whole test JVM and stops with it.
 */
public final class DnssecZones {

    public static final String SECURE = "secure.test";
    public static final String BOGUS = "bogus.test";
    public static final String PLAIN = "plain.test";
    private static DnssecZones shared;

    private final Nsd nsd;
    private final List<Path> trustAnchors;

    private DnssecZones(Nsd nsd, List<Path> trustAnchors) {
        this.nsd = nsd;
        this.trustAnchors = trustAnchors;
    }

    public static synchronized DnssecZones shared() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("dnssec-zones-");
                Path zones = Files.createDirectory(dir.resolve("zones"));
                Files.copy(source(PLAIN), zones.resolve(PLAIN + ".zone"));
                List<Path> anchors = new ArrayList<>();
                anchors.add(sign(dir, zones, SECURE));
                anchors.add(sign(dir, zones, BOGUS, "-i", "20200101", "-e", "20200201"));
                shared = new DnssecZones(Nsd.start(zones), List.copyOf(anchors));
                Runtime.getRuntime().addShutdownHook(new Thread(shared.nsd::close));
            } catch (IOException e) {
                throw new UncheckedIOException("could not sign the DNSSEC test zones", e);
            }
        }
        return shared;
    }

    public Nsd nsd() {
        return nsd;
    }

    /** Every zone NSD serves here, the SERVFAIL one included: a resolver in front sends them all to NSD. */
    public List<String> zones() {
        return List.of(SECURE, BOGUS, PLAIN, Nsd.SERVFAIL_ZONE);
    }

    /** The DS files of the signed zones. */
    public List<Path> trustAnchors() {
        return trustAnchors;
    }

    /** Signs {@code zone} into {@code zones/<zone>.zone}; returns its KSK's DS file. */
    private static Path sign(Path dir, Path zones, String zone, String... signOptions) throws IOException {
        Path work = Files.createDirectory(dir.resolve(zone));
        Files.copy(source(zone), work.resolve("zone"));
        String ksk = run(work, "ldns-keygen", "-a", "ECDSAP256SHA256", "-k", zone);
        String zsk = run(work, "ldns-keygen", "-a", "ECDSAP256SHA256", zone);
        List<String> command = new ArrayList<>(List.of("ldns-signzone"));
        command.addAll(List.of(signOptions));
        command.addAll(List.of("zone", ksk, zsk));
        run(work, command.toArray(String[]::new));
        Files.move(work.resolve("zone.signed"), zones.resolve(zone + ".zone"), StandardCopyOption.REPLACE_EXISTING);
        return work.resolve(ksk + ".ds");
    }

    /** Runs a tool in {@code dir}; its standard output, stripped. */
    private static String run(Path dir, String... command) throws IOException {
        if (!Files.isExecutable(Path.of("/usr/bin", command[0]))) {
            throw new IllegalStateException(command[0] + " is not installed: run scripts/setup --test, or apt-get"
                    + " install ldnsutils");
        }
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.PIPE).start();
        try {
            String out = new String(p.getInputStream().readAllBytes()).strip();
            String err = new String(p.getErrorStream().readAllBytes()).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + err);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            p.destroyForcibly();
        }
    }

    private static Path source(String zone) {
        try {
            return Path.of(DnssecZones.class.getResource("/dnssec/" + zone + ".zone").toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("DNSSEC test zones not on the classpath", e);
        }
    }
}
