package dev.mailcheck.aws;

import dev.mailcheck.Verdict;
import dev.mailcheck.api.SmtpCodes;
import dev.mailcheck.jobs.SmtpItem;
import dev.mailcheck.jobs.SmtpLedger;
import dev.mailcheck.store.JobResults;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The SMTP stage's ledger in the jobs table, a partition per chunk (so that settling one chunk never contends
 * with another's) and an item per job for its rechecks:
 * <pre>
 *   pk = SMTP#&lt;job&gt;#&lt;6-digit chunk&gt;  sk = CHUNK                pending: positions still waiting for SMTP
 *   pk = SMTP#&lt;job&gt;#&lt;6-digit chunk&gt;  sk = POS#&lt;12-digit position&gt;  verdict, row: a settled position
 *                                                                  (given_up: why, for one given up on)
 *   pk = SMTP#&lt;job&gt;                sk = RECHECK#&lt;item's id&gt;  n: the addresses of a recheck waiting
 * </pre>
 * A position settles in a transaction with the count and its result's item ({@link ShardedResults}): its item is put
 * only if it is not there yet ({@code attribute_not_exists}), and the count goes down by the positions put. A
 * transaction refused because some were settled before is sent again without them (and their results). Every item
 * carries {@code expires_at}, the table's TTL.
 */
final class DynamoSmtpLedger implements SmtpLedger {

    /** DynamoDB's limit of actions per transaction, the count's update among them. */
    static final int TRANSACTION = 100;
    /** Positions per transaction: each is two puts (its ledger item, its result), and the count's update. */
    static final int POSITIONS = (TRANSACTION - 1) / 2;
    private static final String RECHECK = "RECHECK#";

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration retention;
    private final BatchWrites writes;
    private final ShardedResults results;

    DynamoSmtpLedger(DynamoDbClient dynamo, String table, Duration retention) {
        this.dynamo = dynamo;
        this.table = table;
        this.retention = retention;
        this.writes = new BatchWrites(dynamo, table);
        this.results = new ShardedResults(dynamo, table, retention, SmtpCodes::link, writes);
    }

    @Override
    public void open(String job, int chunk, long positions) {
        try {
            dynamo.putItem(b -> b.tableName(table).item(Map.of("pk", s(chunkKey(job, chunk)), "sk", s("CHUNK"),
                    "pending", n(positions), "expires_at", n(expires()))).conditionExpression("attribute_not_exists(pk)"));
        } catch (ConditionalCheckFailedException e) {
            // opened by an earlier delivery of the chunk, whose items may have settled since: its count stands
        }
    }

    @Override
    public Set<Long> settled(String job, int chunk, long from, long to) {
        Set<Long> settled = new HashSet<>();
        dynamo.queryPaginator(b -> b.tableName(table).consistentRead(true).projectionExpression("sk")
                        .keyConditionExpression("pk = :pk AND sk BETWEEN :from AND :to")
                        .expressionAttributeValues(Map.of(":pk", s(chunkKey(job, chunk)), ":from", s(pos(from)),
                                ":to", s(pos(to))))).items()
                .forEach(i -> settled.add(Long.parseLong(i.get("sk").s().substring("POS#".length()))));
        return settled;
    }

    @Override
    public long settle(String job, int chunk, List<Settled> answers) {
        for (int i = 0; i < answers.size(); i += POSITIONS) {
            settleAtOnce(job, chunk, new ArrayList<>(answers.subList(i, Math.min(i + POSITIONS, answers.size()))));
        }
        Map<String, AttributeValue> count = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
                .key(Map.of("pk", s(chunkKey(job, chunk)), "sk", s("CHUNK")))).item();
        if (count == null || count.isEmpty()) {
            throw new IllegalStateException("chunk " + chunk + " of job " + job + " was never opened for the SMTP stage");
        }
        return Long.parseLong(count.get("pending").n());
    }

    /**
     * Up to {@link #POSITIONS} positions, their results and the count, in one transaction; those settled before are
     * left out and the rest sent again. The result is stored only by the transaction that settles its position: one
     * written beside it was written over by a later delivery's answer that did not settle (found by a review).
     */
    private void settleAtOnce(String job, int chunk, List<Settled> answers) {
        while (!answers.isEmpty()) {
            List<TransactWriteItem> actions = new ArrayList<>(2 * answers.size() + 1);
            for (Settled a : answers) {
                actions.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(position(job, chunk, a))
                        .conditionExpression("attribute_not_exists(sk)")).build());
                actions.add(TransactWriteItem.builder().put(p -> p.tableName(table)
                        .item(results.item(job, new JobResults.Positioned(a.position(), a.result())))).build());
            }
            int settling = answers.size();
            actions.add(TransactWriteItem.builder().update(u -> u.tableName(table)
                    .key(Map.of("pk", s(chunkKey(job, chunk)), "sk", s("CHUNK")))
                    .updateExpression("ADD pending :settled").conditionExpression("attribute_exists(pk)")
                    .expressionAttributeValues(Map.of(":settled", n(-settling)))).build());
            try {
                dynamo.transactWriteItems(b -> b.transactItems(actions));
                return;
            } catch (TransactionCanceledException e) {
                List<CancellationReason> reasons = e.cancellationReasons();
                List<Settled> left = new ArrayList<>();
                boolean refused = false;
                for (int i = 0; i < answers.size(); i++) {
                    boolean settledBefore = 2 * i < reasons.size()
                            && "ConditionalCheckFailed".equals(reasons.get(2 * i).code());
                    refused |= settledBefore;
                    if (!settledBefore) {
                        left.add(answers.get(i));
                    }
                }
                if (!refused) {
                    throw e; // not a position settled before (the count missing, a conflict): the delivery is retried
                }
                answers = left;
            }
        }
    }

    @Override
    public List<Settled> rows(String job, int chunk) {
        List<Settled> rows = new ArrayList<>();
        dynamo.queryPaginator(b -> b.tableName(table).consistentRead(true)
                        .keyConditionExpression("pk = :pk AND begins_with(sk, :pos)")
                        .expressionAttributeValues(Map.of(":pk", s(chunkKey(job, chunk)), ":pos", s("POS#")))).items()
                .forEach(i -> rows.add(new Settled(Long.parseLong(i.get("sk").s().substring("POS#".length())),
                        Verdict.valueOf(i.get("verdict").s().toUpperCase(Locale.ROOT)), i.get("row").s(),
                        i.containsKey("given_up") ? i.get("given_up").s() : null, null)));
        return rows;
    }

    /**
     * An item per recheck, put and deleted by key, so that a write the SDK sends again (its reply lost after the
     * commit) changes nothing: an ADD to one count was applied twice (found by a review).
     */
    @Override
    public void recheckWaits(SmtpItem recheck) {
        dynamo.putItem(b -> b.tableName(table).item(Map.of("pk", s(jobKey(recheck.job())), "sk", s(recheckKey(recheck)),
                "n", n(recheck.entries().size()), "expires_at", n(expires()))));
    }

    @Override
    public void recheckEnds(SmtpItem recheck) {
        writes.delete(List.of(Map.of("pk", s(jobKey(recheck.job())), "sk", s(recheckKey(recheck)))));
    }

    @Override
    public long rechecking(String job) {
        long waiting = 0;
        for (Map<String, AttributeValue> i : dynamo.queryPaginator(b -> b.tableName(table).consistentRead(true)
                .projectionExpression("n").keyConditionExpression("pk = :pk AND begins_with(sk, :recheck)")
                .expressionAttributeValues(Map.of(":pk", s(jobKey(job)), ":recheck", s(RECHECK)))).items()) {
            waiting += Long.parseLong(i.get("n").n());
        }
        return waiting;
    }

    @Override
    public void erase(String job, int chunks) {
        List<String> partitions = new ArrayList<>(List.of(jobKey(job)));
        for (int chunk = 0; chunk < chunks; chunk++) {
            partitions.add(chunkKey(job, chunk));
        }
        List<WriteRequest> deletes = new ArrayList<>();
        for (String pk : partitions) {
            dynamo.queryPaginator(b -> b.tableName(table).consistentRead(true).projectionExpression("pk, sk")
                    .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", s(pk)))).items()
                    .forEach(i -> deletes.add(WriteRequest.builder().deleteRequest(d -> d.key(i)).build()));
        }
        writes.write(deletes);
    }

    private Map<String, AttributeValue> position(String job, int chunk, Settled s) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", s(chunkKey(job, chunk)));
        item.put("sk", s(pos(s.position())));
        item.put("verdict", s(s.verdict().code()));
        item.put("row", s(s.row()));
        if (s.givenUp() != null) {
            item.put("given_up", s(s.givenUp()));
        }
        item.put("expires_at", n(expires()));
        return item;
    }

    private long expires() {
        return Instant.now().plus(retention).getEpochSecond();
    }

    /** The partition of a job's rechecks waiting. */
    private static String jobKey(String job) {
        return "SMTP#" + job;
    }

    /** A recheck's item: named by the recheck itself, the same for every write about it. */
    private static String recheckKey(SmtpItem recheck) {
        return RECHECK + recheck.dedupId("");
    }

    static String chunkKey(String job, int chunk) {
        return String.format(Locale.ROOT, "SMTP#%s#%06d", job, chunk);
    }

    private static String pos(long position) {
        return String.format(Locale.ROOT, "POS#%012d", position);
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
