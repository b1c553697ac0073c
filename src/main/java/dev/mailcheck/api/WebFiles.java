package dev.mailcheck.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The files the API serves as they are: the signup-form widget ({@code GET /widget.js}) and its demo page
 * ({@code GET /demo}, in Arabic with {@code ?lang=ar}), read from {@code src/main/resources/web} once.
 * Each is gzipped once, sent so to clients that accept it, and carries an ETag: a page that has it
 * already gets a 304 without a body. The ETag is weak because the gzipped and the plain bytes are the
 * same file (as nginx marks it when it compresses).
 */
final class WebFiles {

    private record File(String body, byte[] gzipped, String etag, String contentType, String cacheControl) {
    }

    // An hour: pages that embed the widget pick up a new version the same day, without a request per page view.
    private static final File WIDGET = load("widget.js", "text/javascript; charset=utf-8", "public, max-age=3600");
    private static final File DEMO = load("demo.html", "text/html; charset=utf-8", "public, max-age=300");
    private static final File DEMO_AR = load("demo-ar.html", "text/html; charset=utf-8", "public, max-age=300");

    private WebFiles() {
    }

    /**
     * @param path    {@code /widget.js} or {@code /demo}
     * @param headers the request's, lower-case: {@code accept-encoding} and {@code if-none-match} count
     */
    static Api.Response get(String path, Map<String, String> query, Map<String, String> headers) {
        File f = path.equals("/widget.js") ? WIDGET : "ar".equals(query.get("lang")) ? DEMO_AR : DEMO;
        Map<String, String> out = new LinkedHashMap<>();
        out.put("cache-control", f.cacheControl());
        out.put("etag", f.etag());
        out.put("vary", "Accept-Encoding");
        if (matches(headers.get("if-none-match"), f.etag())) {
            return new Api.Response(304, out, "");
        }
        out.put("content-type", f.contentType());
        out.put("x-content-type-options", "nosniff");
        if (acceptsGzip(headers.get("accept-encoding"))) {
            out.put("content-encoding", "gzip");
            return new Api.Response(200, out, "", f.gzipped());
        }
        return new Api.Response(200, out, f.body());
    }

    /** If-None-Match compares weakly (RFC 9110 13.1.2): {@code W/} aside, any listed tag that is ours, or {@code *}. */
    private static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        String ours = etag.substring(2);
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.strip();
            if (t.equals("*") || (t.startsWith("W/") ? t.substring(2) : t).equals(ours)) {
                return true;
            }
        }
        return false;
    }

    /** Whether Accept-Encoding lists gzip (or *) with a weight above zero. */
    private static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String coding : acceptEncoding.toLowerCase(Locale.ROOT).split(",")) {
            String[] parts = coding.split(";");
            String name = parts[0].strip();
            if (name.equals("gzip") || name.equals("*")) {
                for (int i = 1; i < parts.length; i++) {
                    String p = parts[i].strip();
                    if (p.startsWith("q=") && p.substring(2).strip().matches("0(\\.0*)?")) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }

    /** A resource of the build as text; a missing one is a broken build, not a request error. */
    static String resource(String name) {
        try (InputStream in = WebFiles.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException(name + " is missing from the build", e);
        }
    }

    /** The two demo pages share their style sheet, which goes into each page where it says so. */
    private static File load(String name, String contentType, String cacheControl) {
        String body = resource("/web/" + name).replace("/* demo.css */", resource("/web/demo.css").strip());
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try {
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 16);
            return new File(body, gzip(bytes), "W/\"" + hash + "\"", contentType, cacheControl);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out) {
            {
                def.setLevel(Deflater.BEST_COMPRESSION); // once per file, at start-up
            }
        }) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
