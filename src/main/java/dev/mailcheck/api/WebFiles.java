package dev.mailcheck.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The files the API serves as they are: the signup-form widget ({@code GET /widget.js}) and its demo page
 * ({@code GET /demo}, in Arabic with {@code ?lang=ar}), read from {@code src/main/resources/web} once.
 */
final class WebFiles {

    private record File(String body, String contentType, String cacheControl) {
    }

    // An hour: pages that embed the widget pick up a new version the same day, without a request per page view.
    private static final File WIDGET = load("widget.js", "text/javascript; charset=utf-8", "public, max-age=3600");
    private static final File DEMO = load("demo.html", "text/html; charset=utf-8", "public, max-age=300");
    private static final File DEMO_AR = load("demo-ar.html", "text/html; charset=utf-8", "public, max-age=300");

    private WebFiles() {
    }

    /** @param path {@code /widget.js} or {@code /demo} */
    static Api.Response get(String path, Map<String, String> query) {
        File f = path.equals("/widget.js") ? WIDGET : "ar".equals(query.get("lang")) ? DEMO_AR : DEMO;
        return new Api.Response(200, Map.of("content-type", f.contentType(), "cache-control", f.cacheControl(),
                "x-content-type-options", "nosniff"), f.body());
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
        return new File(resource("/web/" + name).replace("/* demo.css */", resource("/web/demo.css").strip()),
                contentType, cacheControl);
    }
}
