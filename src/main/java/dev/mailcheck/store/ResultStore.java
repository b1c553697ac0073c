package dev.mailcheck.store;

/**
 * Where jobs and their results are kept, with no AWS in it: the whole store, as its implementations
 * ({@link LocalResultStore}, DynamoDB's in the AWS edge) are and as the wiring hands it out. Whoever uses it
 * depends on only the concerns it needs: {@link JobLifecycle}, {@link JobResults}, {@link ChunkTallies},
 * {@link JobErasure}.
 */
public interface ResultStore extends JobLifecycle, JobResults, ChunkTallies, JobErasure {
}
