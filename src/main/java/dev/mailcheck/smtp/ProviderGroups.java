package dev.mailcheck.smtp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which provider group an MX host belongs to: the operators in {@code smtp/provider-groups.txt} (data, with
 * its sources), whose hosts share one reputation and one RCPT budget. A host in no group is its own group.
 */
public final class ProviderGroups {

    private static final ProviderGroups BUNDLED = read("/smtp/provider-groups.txt");

    private final Map<String, String> bySuffix;

    private ProviderGroups(Map<String, String> bySuffix) {
        this.bySuffix = Map.copyOf(bySuffix);
    }

    public static ProviderGroups bundled() {
        return BUNDLED;
    }

    /** The group of {@code host}: the longest listed suffix that ends it at a label boundary, else the host itself. */
    public String of(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        for (String s = h; ; ) {
            String group = bySuffix.get(s);
            if (group != null) {
                return group;
            }
            int dot = s.indexOf('.');
            if (dot < 0) {
                return h;
            }
            s = s.substring(dot + 1);
        }
    }

    static ProviderGroups read(String resource) {
        Map<String, String> bySuffix = new HashMap<>();
        try (InputStream in = ProviderGroups.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                String[] parts = t.split("\\s+");
                if (parts.length != 2 || bySuffix.put(parts[1].toLowerCase(Locale.ROOT), parts[0]) != null) {
                    throw new IllegalStateException(resource + ": a bad or repeated line: " + line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ProviderGroups(bySuffix);
    }
}
