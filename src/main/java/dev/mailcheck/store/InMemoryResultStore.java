package dev.mailcheck.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.mailcheck.verdict.ResultJson;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** For `checker serve` without DynamoDB: everything in this process, gone when it ends. */
public final class InMemoryResultStore implements ResultStore {

    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Map<String, NavigableMap<Long, String>> results = new ConcurrentHashMap<>();
    private final Map<String, SortedMap<Integer, Tally>> chunks = new ConcurrentHashMap<>();

    @Override
    public void putJob(Job job) {
        jobs.put(job.id(), job);
    }

    @Override
    public boolean createJob(Job job) {
        return jobs.putIfAbsent(job.id(), job) == null;
    }

    @Override
    public Optional<Job> job(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    @Override
    public void putResults(String jobId, List<Positioned> batch) {
        NavigableMap<Long, String> stored = results.computeIfAbsent(jobId, id -> new ConcurrentSkipListMap<>());
        for (Positioned p : batch) {
            try {
                stored.put(p.position(), ResultJson.mapper().writeValueAsString(p.result()));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public Page results(String jobId, String cursor, int limit) {
        NavigableMap<Long, String> stored = results.getOrDefault(jobId, new ConcurrentSkipListMap<>());
        NavigableMap<Long, String> rest = cursor == null ? stored : stored.tailMap(Long.parseLong(cursor), false);
        List<String> page = new ArrayList<>();
        long last = -1;
        for (Map.Entry<Long, String> e : rest.entrySet()) {
            if (page.size() == limit) {
                return new Page(page, Long.toString(last));
            }
            page.add(e.getValue());
            last = e.getKey();
        }
        return new Page(page, null);
    }

    @Override
    public void putChunk(String jobId, int chunk, Tally tally) {
        chunks.computeIfAbsent(jobId, id -> new ConcurrentSkipListMap<>()).put(chunk, tally);
    }

    @Override
    public SortedMap<Integer, Tally> chunks(String jobId) {
        return new TreeMap<>(chunks.getOrDefault(jobId, new TreeMap<>()));
    }

    @Override
    public void clearChunks(String jobId) {
        chunks.remove(jobId);
    }
}
