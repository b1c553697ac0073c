package dev.mailcheck.smtp;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Opportunistic TLS (RFC 7435) after STARTTLS: encryption against passive listeners, no authentication.
 * A probe sends no secret, and most MX certificates would not match the MX name anyway, so whatever
 * certificate the server shows is taken. Its own class so that this one deliberate exception to
 * certificate checking sits in one place, under its name.
 */
final class OpportunisticTls {

    private static final SSLContext CONTEXT = context();

    private OpportunisticTls() {
    }

    /** A TLS client over the connected {@code plain} socket, its handshake not yet started; closing it closes both. */
    static SSLSocket over(Socket plain, String host, int port) throws IOException {
        return (SSLSocket) CONTEXT.getSocketFactory().createSocket(plain, host, port, true);
    }

    private static SSLContext context() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
