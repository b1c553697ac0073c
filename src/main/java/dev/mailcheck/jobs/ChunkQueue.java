package dev.mailcheck.jobs;

/**
 * Where a split list's chunks wait to be checked: SQS in Lambda, whose chunk function hands each to
 * {@link JobWorkflow#process}; threads of the process in {@code checker serve} ({@link InProcessQueue}).
 * Delivery is at least once, in any order: the workflow stores everything by job and position, so a chunk
 * checked twice writes the same things again. A chunk that keeps failing goes to
 * {@link JobWorkflow#giveUp(Chunk, String)}.
 */
@FunctionalInterface
public interface ChunkQueue {

    void send(Chunk chunk);
}
