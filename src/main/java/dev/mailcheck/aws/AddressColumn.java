package dev.mailcheck.aws;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The address column an upload names in its object metadata ({@code x-amz-meta-address-column}). S3 carries
 * metadata in HTTP headers, so a value that is not US-ASCII ({@code correo electrónico}) travels RFC 2047
 * encoded: S3 returns it that way however it was set, and the API writes it that way. Hand-written because
 * the only library decoders (Jakarta Mail's MimeUtility) would bring a mail stack in for these few lines.
 */
final class AddressColumn {

    /** The metadata key, as the SDK gives and takes it (without {@code x-amz-meta-}). */
    static final String METADATA = "address-column";

    private static final Pattern ENCODED_WORD = Pattern.compile("=\\?([^?]+)\\?([BbQq])\\?([^?]*)\\?=");

    private AddressColumn() {
    }

    /** The column the metadata names, or null to detect it. */
    static String of(Map<String, String> metadata) {
        String value = metadata == null ? null : metadata.get(METADATA);
        return value == null || value.isBlank() ? null : decode(value);
    }

    /** The metadata that names {@code column}. */
    static Map<String, String> metadata(String column) {
        boolean ascii = column.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
        return Map.of(METADATA, ascii ? column : "=?UTF-8?B?" + Base64.getEncoder()
                .encodeToString(column.getBytes(StandardCharsets.UTF_8)) + "?=");
    }

    static String decode(String value) {
        String text = value.strip();
        Matcher m = ENCODED_WORD.matcher(text);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find()) {
            String between = text.substring(last, m.start());
            if (!between.isBlank()) {
                out.append(between); // whitespace between two encoded words is not part of the text (RFC 2047 §6.2)
            }
            Charset charset;
            try {
                charset = Charset.forName(m.group(1).replaceFirst("\\*.*", ""));
            } catch (IllegalArgumentException e) {
                return value; // an unknown charset: the value as given is the best reading
            }
            byte[] bytes;
            try {
                bytes = m.group(2).equalsIgnoreCase("B") ? Base64.getDecoder().decode(m.group(3)) : quoted(m.group(3));
            } catch (IllegalArgumentException e) {
                return value;
            }
            out.append(new String(bytes, charset));
            last = m.end();
        }
        return out.append(text.substring(last)).toString();
    }

    /** RFC 2047's "Q" encoding: '_' is a space, =XX a byte. */
    private static byte[] quoted(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '_') {
                bytes.write(' ');
            } else if (c == '=' && i + 2 < text.length()) {
                bytes.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        return bytes.toByteArray();
    }
}
