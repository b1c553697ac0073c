package dev.mailcheck.store;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Where a job is: {@code queued}, {@code running}, or how it ended: {@code done}, {@code partial} (some
 * records could not be checked) or {@code failed}; {@code erasing} once {@code DELETE} has begun to erase an
 * ended job (its record goes last, so an erasure cut short is carried on, not lost). The lowercase {@link #code()} is what API responses,
 * stored items and "Job Finished" events carry.
 */
public enum JobStatus {
    QUEUED, RUNNING, DONE, PARTIAL, FAILED, ERASING;

    @JsonValue
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether a job in this state has ended; nothing changes it afterwards but its erasure. */
    public boolean finished() {
        return this == DONE || this == PARTIAL || this == FAILED || this == ERASING;
    }

    /** @throws IllegalArgumentException for a string that is no status's code */
    public static JobStatus of(String code) {
        for (JobStatus s : values()) {
            if (s.code().equals(code)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no job status " + code);
    }

    /** The code, so that messages and log lines read as they did when the status was a string. */
    @Override
    public String toString() {
        return code();
    }
}
