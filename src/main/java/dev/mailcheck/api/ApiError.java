package dev.mailcheck.api;

/** A request the API refuses: its status, what is wrong, and which field (null for none). */
final class ApiError extends RuntimeException {

    final int status;
    final String field;

    ApiError(int status, String message, String field) {
        super(message, null, false, false);
        this.status = status;
        this.field = field;
    }
}
