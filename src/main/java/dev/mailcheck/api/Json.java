package dev.mailcheck.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.api.Api.Request;
import dev.mailcheck.api.Api.Response;
import dev.mailcheck.jobs.SmtpDepth;
import dev.mailcheck.verdict.ResultJson;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The API's JSON both ways: answers and errors written, bodies and flags read and checked, each error naming its field. */
final class Json {

    static final ObjectMapper MAPPER = ResultJson.mapper(SmtpCodes::link);

    private Json() {
    }

    static Response of(int status, Object body) {
        try {
            return new Response(status, Map.of("content-type", "application/json"), MAPPER.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Response error(int status, String message, String field) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        if (field != null) {
            body.put("field", field);
        }
        return of(status, body);
    }

    /** The headers with one more value of a list header such as {@code vary}; a copy that can take more. */
    static Map<String, String> merged(Map<String, String> headers, String name, String value) {
        Map<String, String> out = new LinkedHashMap<>(headers);
        out.merge(name, value, (a, b) -> a + ", " + b);
        return out;
    }

    /** The body as a JSON object, at most {@code maxBytes} (larger ones go to {@code largerTo}), shaped like {@code shape}. */
    static JsonNode body(Request r, int maxBytes, String largerTo, String shape) {
        if (r.body() == null || r.body().isBlank()) {
            throw new ApiError(400, "the body must be JSON: " + shape, "body");
        }
        checkSize(r, maxBytes, largerTo);
        JsonNode body;
        try {
            body = MAPPER.readTree(r.body());
        } catch (JsonProcessingException e) {
            throw new ApiError(400, "the body is not valid JSON: " + e.getOriginalMessage(), "body");
        }
        if (body == null || !body.isObject()) {
            throw new ApiError(400, "the body must be a JSON object: " + shape, "body");
        }
        return body;
    }

    static void checkSize(Request r, int maxBytes, String largerTo) {
        if (r.body().length() > maxBytes / 3 && r.body().getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            throw new ApiError(413, "the body is larger than " + maxBytes + " bytes; send larger lists to " + largerTo,
                    "body");
        }
    }

    /** A query or form flag: absent or {@code false}, or {@code true}. */
    static boolean flag(String name, String value) {
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw new ApiError(400, name + " must be true or false, not " + value, name);
    }

    /** How far a query's or form's {@code smtp} and {@code smtp_data} ask to probe. */
    static SmtpDepth smtpDepth(Map<String, String> fields) {
        String smtp = fields.get("smtp");
        return smtpDepth(smtp == null ? null : flag("smtp", smtp), flag("smtp_data", fields.get("smtp_data")));
    }

    /** How far a JSON body's {@code "smtp"} and {@code "smtp_data"} ask to probe. */
    static SmtpDepth smtpDepth(JsonNode body) {
        return smtpDepth(body.has("smtp") ? flag(body, "smtp") : null, flag(body, "smtp_data"));
    }

    /** {@code smtp} null when not given: smtp_data=true implies the probe, and contradicts smtp=false. */
    private static SmtpDepth smtpDepth(Boolean smtp, boolean data) {
        if (data && Boolean.FALSE.equals(smtp)) {
            throw new ApiError(400, "smtp_data=true probes SMTP (on to DATA's 354): leave smtp out, or set it true",
                    "smtp");
        }
        return SmtpDepth.of(Boolean.TRUE.equals(smtp), data);
    }

    /** A JSON body's flag: absent, or a boolean. */
    static boolean flag(JsonNode body, String name) {
        JsonNode value = body.get(name);
        if (value != null && !value.isBoolean()) {
            throw new ApiError(400, "\"" + name + "\" must be true or false", name);
        }
        return value != null && value.asBoolean();
    }
}
