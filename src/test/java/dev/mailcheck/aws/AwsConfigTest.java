package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.smtp.Pacing;
import dev.mailcheck.smtp.SmtpSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The environment as infra/template.yaml sets it: every variable present, the unused ones empty. */
class AwsConfigTest {

    private static Map<String, String> template() {
        Map<String, String> env = new HashMap<>();
        AwsConfig.VARIABLES.forEach(v -> env.put(v, ""));
        env.put("TABLE_NAME", "results");
        return env;
    }

    @Test
    void emptyVariablesMeanTheDefaults() {
        AwsConfig config = AwsConfig.from(template());
        assertEquals("results", config.table());
        assertTrue(config.dnsServers().isEmpty());
        assertEquals(Duration.ofSeconds(5), config.dnsTimeout());
        assertEquals(Duration.ofDays(30), config.retention());
        assertEquals(List.of(), config.corsOrigins());
        assertNull(config.uploadBucket());
        assertNull(config.chunkQueue());
        assertEquals(AwsConfig.DEFAULT_INLINE_MAX_RECORDS, config.inlineMaxRecords());
        assertNull(config.smtp(), "the probe is off unless SMTP_ENABLED=true");
        assertEquals(Pacing.defaults(), config.pacing());
        assertEquals(0, config.dnsQps());
        assertFalse(config.publicSmtp(), "the public route does not probe unless PUBLIC_SMTP=true");
        Map<String, String> env = template();
        env.put("PUBLIC_SMTP", "true");
        assertTrue(AwsConfig.from(env).publicSmtp());
    }

    @Test
    void theBudgetsAndTheCoolDownAreRead() {
        Map<String, String> env = template();
        env.put("SMTP_CONNECT_RATE", "60/min");
        env.put("SMTP_RCPT_RATE", "2/s");
        env.put("SMTP_COOL_DOWN_MINUTES", "45");
        env.put("DNS_QPS", "100");
        AwsConfig config = AwsConfig.from(env);
        assertEquals(new Pacing(true, Duration.ofMinutes(45), 60, 120), config.pacing());
        assertEquals(100, config.dnsQps());
    }

    @Test
    void theProbeOnWithEmptyNamesTakesTheDefaultNames() {
        Map<String, String> env = template();
        env.put("SMTP_ENABLED", "true");
        env.put("SMTP_SOCKS", "10.0.0.5");
        SmtpSettings smtp = AwsConfig.from(env).smtp();
        assertEquals(SmtpSettings.defaults().helo(), smtp.helo());
        assertEquals(SmtpSettings.defaults().mailFrom(), smtp.mailFrom());
        assertEquals(25, smtp.port());
        assertEquals(1080, smtp.socks().getPort());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            # variable          | value  | what the error names
            TABLE_NAME          | ''     | TABLE_NAME
            DNS_TIMEOUT_MS      | soon   | DNS_TIMEOUT_MS
            INLINE_MAX_RECORDS  | 1e6    | INLINE_MAX_RECORDS
            SMTP_RCPT_RATE      | fast   | SMTP_RCPT_RATE
            DNS_QPS             | many   | DNS_QPS
            """)
    void aBadValueIsNamedAtStartUp(String variable, String value, String named) {
        Map<String, String> env = template();
        env.put(variable, value);
        assertTrue(assertThrows(IllegalStateException.class, () -> AwsConfig.from(env)).getMessage().contains(named));
    }
}
