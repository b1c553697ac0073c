package dev.mailcheck.testbed.snapstart;

/** What {@link Core#checkpointRestore()} throws when a resource's beforeCheckpoint fails. */
public final class CheckpointException extends Exception {

    CheckpointException(Throwable cause) {
        super(cause);
    }
}
