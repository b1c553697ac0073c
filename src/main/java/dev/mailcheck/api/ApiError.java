package dev.mailcheck.api;

import dev.mailcheck.api.Api.Response;
import java.time.Duration;

/** A request the API refuses: its status, what is wrong, and which field (null for none). */
final class ApiError extends RuntimeException {

    final int status;
    final String field;
    /** When the client may ask again (a 429's {@code Retry-After}), or null. */
    final Duration retryAfter;

    ApiError(int status, String message, String field) {
        this(status, message, field, null);
    }

    ApiError(int status, String message, String field, Duration retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.field = field;
        this.retryAfter = retryAfter;
    }

    /** The JSON error; {@code Retry-After} in whole seconds rounded up, so that a client waiting that long is served. */
    Response response() {
        Response error = Json.error(status, getMessage(), field);
        return retryAfter == null ? error : new Response(status, Json.merged(error.headers(), "retry-after",
                Long.toString(Math.max(1, Math.ceilDiv(retryAfter.toMillis(), 1000)))), error.body());
    }
}
