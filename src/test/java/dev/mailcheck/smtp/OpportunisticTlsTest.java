package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A probe takes whatever certificate the MX shows after STARTTLS (RFC 7435): one for another name,
 * self-signed, expired, not yet valid. Each row's certificate is first shown to be one the JDK's default
 * checking refuses, so the row proves something. The certificates come from the JDK's own keytool.
 */
class OpportunisticTlsTest {

    @TempDir
    Path dir;

    private SSLContext serverContext(String dname, String startDate, int validityDays) throws Exception {
        Path store = dir.resolve("server.p12");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "mx", "-keyalg", "EC", "-dname", dname, "-validity", String.valueOf(validityDays),
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit"));
        if (!startDate.isEmpty()) {
            cmd.addAll(List.of("-startdate", startDate));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** A loopback TLS server that shakes hands with every client until closed. */
    private static SSLServerSocket serve(SSLContext ctx, ExecutorService threads) throws IOException {
        SSLServerSocket server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 10,
                InetAddress.getLoopbackAddress());
        threads.execute(() -> {
            while (!server.isClosed()) {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.startHandshake();
                    s.getOutputStream().write('!');
                    s.getOutputStream().flush();
                    s.getInputStream().read(); // until the client closes
                } catch (IOException e) {
                    // a client that refused the certificate, or the test is over
                }
            }
        });
        return server;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            self-signed, for another name than the MX's | CN=other.test   |        | 365
            expired                                     | CN=mx.x.test    | -2y    | 30
            not yet valid                               | CN=mx.x.test    | +1y    | 30
            """)
    void anyCertificateTheServerShowsIsTaken(String name, String dname, String startDate, int validityDays)
            throws Exception {
        SSLContext ctx = serverContext(dname, startDate == null ? "" : startDate, validityDays);
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        try (SSLServerSocket server = serve(ctx, threads)) {
            try (Socket plain = new Socket(server.getInetAddress(), server.getLocalPort());
                 SSLSocket checked = (SSLSocket) SSLContext.getDefault().getSocketFactory()
                         .createSocket(plain, "mx.x.test", server.getLocalPort(), true)) {
                assertThrows(SSLException.class, checked::startHandshake, "the default checks took this certificate");
            }
            try (Socket plain = new Socket(server.getInetAddress(), server.getLocalPort());
                 SSLSocket tls = OpportunisticTls.over(plain, "mx.x.test", server.getLocalPort())) {
                tls.startHandshake();
                assertEquals('!', tls.getInputStream().read(), "data over the TLS connection");
                assertEquals(dname, ((X509Certificate) tls.getSession().getPeerCertificates()[0])
                        .getSubjectX500Principal().getName());
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
