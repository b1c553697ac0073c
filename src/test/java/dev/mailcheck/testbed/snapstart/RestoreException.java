package dev.mailcheck.testbed.snapstart;

/** What {@link Core#checkpointRestore()} throws when a resource's afterRestore fails. */
public final class RestoreException extends Exception {

    RestoreException(Throwable cause) {
        super(cause);
    }
}
