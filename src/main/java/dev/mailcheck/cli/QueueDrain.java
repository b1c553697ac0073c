package dev.mailcheck.cli;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Lambda's SQS poller on this machine ({@code checker invoke drain}, and the tests): receives from each queue in
 * turn, hands a batch to its handler as an SQS event (with the message group of a FIFO queue's messages), deletes
 * what the handler did not report failed and makes the failed ones visible again at once, so they are retried
 * (and dead-lettered by the queue's redrive policy). A message stays invisible while its handler runs, so a FIFO
 * queue holds back the rest of its group as it does for Lambda. Delays are honoured: the queue itself keeps a
 * delayed message back.
 */
public final class QueueDrain {

    /**
     * A queue and the function that consumes it.
     *
     * @param batch      messages per invocation (the event source's BatchSize)
     * @param visibility how long a received message stays hidden from other consumers
     * @param context    a fresh invocation context (its remaining time is the function's timeout)
     */
    public record Source(String queueUrl, SqsClient sqs, RequestHandler<SQSEvent, SQSBatchResponse> handler, int batch,
                         Duration visibility, Supplier<Context> context) {
    }

    private static final List<QueueAttributeName> COUNTS = List.of(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED);

    private QueueDrain() {
    }

    /**
     * Delivers messages until every queue is empty (none visible, in flight or delayed) or {@code limit} has
     * passed.
     *
     * @return the messages delivered, failures included
     */
    public static int drain(List<Source> sources, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        int delivered = 0;
        while (System.nanoTime() < end) {
            int round = 0;
            for (Source s : sources) {
                round += deliver(s);
            }
            delivered += round;
            if (round == 0) {
                if (sources.stream().allMatch(QueueDrain::empty)) {
                    return delivered;
                }
                Thread.sleep(100); // messages delayed, or in flight at another consumer
            }
        }
        throw new IllegalStateException("the queues were not empty after " + limit.toSeconds() + " s");
    }

    /** Received messages as Lambda's SQS poller hands them to a function: in order, with their attributes. */
    public static SQSEvent event(List<Message> batch) {
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (Message m : batch) {
            SQSEvent.SQSMessage r = new SQSEvent.SQSMessage();
            r.setMessageId(m.messageId());
            r.setReceiptHandle(m.receiptHandle());
            r.setBody(m.body());
            r.setAttributes(m.attributes().entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().toString(), Map.Entry::getValue)));
            records.add(r);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        return event;
    }

    /** One receive and its invocation; @return the messages delivered */
    public static int deliver(Source s) {
        List<Message> batch = s.sqs().receiveMessage(b -> b.queueUrl(s.queueUrl()).maxNumberOfMessages(s.batch())
                .visibilityTimeout((int) s.visibility().toSeconds())
                .messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID)).messages();
        if (batch.isEmpty()) {
            return 0;
        }
        SQSEvent event = event(batch);
        Set<String> failed = s.handler().handleRequest(event, s.context().get()).getBatchItemFailures().stream()
                .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).collect(Collectors.toSet());
        for (Message m : batch) {
            if (failed.contains(m.messageId())) {
                s.sqs().changeMessageVisibility(b -> b.queueUrl(s.queueUrl()).receiptHandle(m.receiptHandle())
                        .visibilityTimeout(0));
            } else {
                s.sqs().deleteMessage(b -> b.queueUrl(s.queueUrl()).receiptHandle(m.receiptHandle()));
            }
        }
        return batch.size();
    }

    private static boolean empty(Source s) {
        Map<QueueAttributeName, String> counts = s.sqs().getQueueAttributes(b -> b.queueUrl(s.queueUrl())
                .attributeNames(COUNTS)).attributes();
        return COUNTS.stream().allMatch(c -> "0".equals(counts.getOrDefault(c, "0")));
    }
}
