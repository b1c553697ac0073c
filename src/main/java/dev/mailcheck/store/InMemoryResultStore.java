package dev.mailcheck.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.mailcheck.Verdict;
import dev.mailcheck.verdict.ResultJson;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
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
    private final Map<String, NavigableMap<Long, Stored>> results = new ConcurrentHashMap<>();
    private final Map<String, SortedMap<Integer, Tally>> chunks = new ConcurrentHashMap<>();
    private final Map<String, SortedMap<Integer, FailedChunk>> failedChunks = new ConcurrentHashMap<>();

    private record Stored(String json, Verdict verdict) {
    }

    @Override
    public void putJob(Job job) {
        jobs.put(job.id(), job);
    }

    @Override
    public boolean finishJob(Job job) {
        boolean[] won = {false};
        jobs.compute(job.id(), (id, stored) -> {
            if (stored != null && stored.finished()) {
                return stored;
            }
            won[0] = true;
            return job;
        });
        return won[0];
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
        NavigableMap<Long, Stored> stored = results.computeIfAbsent(jobId, id -> new ConcurrentSkipListMap<>());
        for (Positioned p : batch) {
            try {
                stored.put(p.position(), new Stored(ResultJson.mapper().writeValueAsString(p.result()), p.result().verdict()));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public Page results(String jobId, String cursor, int limit) {
        NavigableMap<Long, Stored> stored = results.getOrDefault(jobId, new ConcurrentSkipListMap<>());
        NavigableMap<Long, Stored> rest = cursor == null ? stored : stored.tailMap(Long.parseLong(cursor), false);
        List<String> page = new ArrayList<>();
        long last = -1;
        for (Map.Entry<Long, Stored> e : rest.entrySet()) {
            if (page.size() == limit) {
                return new Page(page, Long.toString(last));
            }
            page.add(e.getValue().json());
            last = e.getKey();
        }
        return new Page(page, null);
    }

    @Override
    public void putChunk(String jobId, int chunk, Tally tally) {
        chunks.computeIfAbsent(jobId, id -> new ConcurrentSkipListMap<>()).put(chunk, tally);
        failedChunks.getOrDefault(jobId, new TreeMap<>()).remove(chunk);
    }

    @Override
    public void putFailedChunk(String jobId, int chunk, FailedChunk failed) {
        failedChunks.computeIfAbsent(jobId, id -> new ConcurrentSkipListMap<>()).put(chunk, failed);
    }

    @Override
    public SortedMap<Integer, FailedChunk> failedChunks(String jobId) {
        return new TreeMap<>(failedChunks.getOrDefault(jobId, new TreeMap<>()));
    }

    @Override
    public SortedMap<Integer, Tally> chunks(String jobId) {
        return new TreeMap<>(chunks.getOrDefault(jobId, new TreeMap<>()));
    }

    @Override
    public void clearChunks(String jobId) {
        chunks.remove(jobId);
        failedChunks.remove(jobId);
    }

    @Override
    public Tally tally(String jobId) {
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        results.getOrDefault(jobId, new ConcurrentSkipListMap<>()).values()
                .forEach(r -> counts.merge(r.verdict(), 1L, Long::sum));
        return new Tally(counts.values().stream().mapToLong(Long::longValue).sum(), counts);
    }

    @Override
    public void deleteJob(String jobId) {
        jobs.remove(jobId);
        results.remove(jobId);
        clearChunks(jobId);
    }
}
