package dev.mailcheck.api;

import dev.mailcheck.api.Api.Response;
import dev.mailcheck.codes.CodeEntry;
import dev.mailcheck.codes.Language;
import dev.mailcheck.codes.ReplyCodes;
import java.util.Map;
import java.util.Optional;

/** GET /v1/smtp-codes/{code}, and the link to it that every written result's {@code predicted_reply.reference} is. */
public final class SmtpCodes {

    private SmtpCodes() {
    }

    /**
     * Where GET /v1/smtp-codes/{code} explains a reply's code, null for a code the reference lacks: handed to
     * whatever writes results (ResultJson's mapper, ResultWriter, the result stores).
     */
    public static String link(int code) {
        return ReplyCodes.explains(code) ? "/v1/smtp-codes/" + code : null;
    }

    /** What a reply code means and what to do, in English or (Accept-Language) Arabic. */
    static Response get(String code, String acceptLanguage) {
        Language language = Language.fromAcceptLanguage(acceptLanguage);
        ReplyCodes reference = ReplyCodes.bundled();
        Optional<CodeEntry> entry = code.matches("\\d{3}") ? reference.entry(Integer.parseInt(code), language)
                : Optional.empty();
        Response r = Json.of(200, entry.orElseThrow(() -> new ApiError(404, "no SMTP reply code " + code
                + " in the reference; it explains " + reference.codes(), "code")));
        // Caches keep one answer per language.
        Map<String, String> headers = Json.merged(r.headers(), "vary", "Accept-Language");
        headers.put("content-language", language.tag());
        return new Response(r.status(), headers, r.body());
    }
}
