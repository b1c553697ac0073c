package dev.mailcheck.aws;

import dev.mailcheck.jobs.SmtpItem;
import dev.mailcheck.jobs.SmtpQueue;
import java.time.Duration;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The SMTP queue on SQS: work on a FIFO queue whose message group is the item's provider group slot (at most
 * {@code groupWorkers} slots a group), rechecks on a standard queue, which alone can delay one message.
 */
final class SqsSmtpQueue implements SmtpQueue {

    private final SqsClient sqs;
    private final AwsConfig.SmtpJobsConfig config;

    SqsSmtpQueue(SqsClient sqs, AwsConfig.SmtpJobsConfig config) {
        this.sqs = sqs;
        this.config = config;
    }

    @Override
    public void send(SmtpItem item, String salt) {
        sqs.sendMessage(b -> b.queueUrl(config.queue()).messageBody(item.toJson())
                .messageGroupId(item.queueGroup(config.groupWorkers())).messageDeduplicationId(item.dedupId(salt)));
    }

    @Override
    public void later(SmtpItem item, Duration delay) {
        long seconds = Math.clamp((delay.toMillis() + 999) / 1000, 0, LONGEST_DELAY.toSeconds());
        sqs.sendMessage(b -> b.queueUrl(config.recheckQueue()).messageBody(item.toJson()).delaySeconds((int) seconds));
    }
}
