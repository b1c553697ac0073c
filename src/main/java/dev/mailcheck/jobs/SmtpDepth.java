package dev.mailcheck.jobs;

/**
 * How far a job's SMTP probe goes: not at all (DNS only), up to RCPT TO ({@code smtp=true}), or on to DATA and its
 * 354, never further ({@code smtp_data=true}, which implies the probe). One value per job, carried by its chunks
 * and SMTP work items, so that a job probes alike in {@code checker serve} and on AWS.
 */
public enum SmtpDepth {
    NONE, RCPT, DATA;

    /** What a request's two flags ask for: {@code data} implies the probe. */
    public static SmtpDepth of(boolean smtp, boolean data) {
        return data ? DATA : smtp ? RCPT : NONE;
    }

    /** Whether the SMTP probe runs at all. */
    public boolean smtp() {
        return this != NONE;
    }

    /** Whether the probe goes on to DATA (stopping at its 354). */
    public boolean data() {
        return this == DATA;
    }
}
