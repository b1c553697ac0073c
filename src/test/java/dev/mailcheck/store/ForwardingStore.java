package dev.mailcheck.store;

import java.util.List;
import java.util.Optional;
import java.util.SortedMap;

/** A store that hands every call on; tests override a method to inject a fault. */
public class ForwardingStore implements ResultStore {

    private final ResultStore store;

    public ForwardingStore(ResultStore store) {
        this.store = store;
    }

    @Override
    public void putJob(Job job) {
        store.putJob(job);
    }

    @Override
    public boolean createJob(Job job) {
        return store.createJob(job);
    }

    @Override
    public boolean putSplit(Job job) {
        return store.putSplit(job);
    }

    @Override
    public Optional<Job> job(String id) {
        return store.job(id);
    }

    @Override
    public Optional<Gone> gone(String id) {
        return store.gone(id);
    }

    @Override
    public void putResults(String jobId, List<Positioned> results) {
        store.putResults(jobId, results);
    }

    @Override
    public Page results(String jobId, String cursor, int limit) {
        return store.results(jobId, cursor, limit);
    }

    @Override
    public void putChunk(String jobId, int chunk, Tally tally) {
        store.putChunk(jobId, chunk, tally);
    }

    @Override
    public SortedMap<Integer, Tally> chunks(String jobId) {
        return store.chunks(jobId);
    }

    @Override
    public void clearChunks(String jobId) {
        store.clearChunks(jobId);
    }

    @Override
    public boolean finishJob(Job job) {
        return store.finishJob(job);
    }

    @Override
    public void putFailedChunk(String jobId, int chunk, FailedChunk failed) {
        store.putFailedChunk(jobId, chunk, failed);
    }

    @Override
    public SortedMap<Integer, FailedChunk> failedChunks(String jobId) {
        return store.failedChunks(jobId);
    }

    @Override
    public Tally tally(String jobId) {
        return store.tally(jobId);
    }

    @Override
    public void deleteJob(String jobId) {
        store.deleteJob(jobId);
    }
}
