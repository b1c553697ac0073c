package dev.mailcheck.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.mailcheck.LogPrivacy;
import dev.mailcheck.jobs.SmtpItem;
import dev.mailcheck.jobs.SmtpStage;
import dev.mailcheck.pipeline.Checker;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Lambda entry point for SMTP work: items from the FIFO queue (a message group per provider group slot) are
 * probed by the {@link SmtpStage} until the function's remaining time less {@link #MARGIN}, what is left sent
 * back; items from the recheck queue (no message group) whose delay is over are moved to the FIFO queue, where
 * they wait their group's turn. A message that fails is reported alone (ReportBatchItemFailures) and retried,
 * then dead-lettered (FailureHandler ends its job partial).
 */
@Named("smtp")
@Singleton
public final class SqsSmtpHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    /**
     * Kept back from the function's timeout: what is answered by then is stored and settled, and the rest sent
     * back, before Lambda stops the function (a few DynamoDB transactions and SQS sends take well under it).
     */
    static final Duration MARGIN = Duration.ofSeconds(20);

    private final SmtpStage stage;
    private final Function<Duration, Checker> checker;

    public SqsSmtpHandler() {
        this(Functions.environment().smtpStage(), Functions.environment()::smtpWorker);
    }

    /** @param checker the SMTP checker whose checks end within the given time */
    SqsSmtpHandler(SmtpStage stage, Function<Duration, Checker> checker) {
        this.stage = stage;
        this.checker = checker;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (SQSEvent.SQSMessage m : event.getRecords()) {
            try {
                SmtpItem item = SmtpItem.fromJson(m.getBody());
                if (m.getAttributes() == null || !m.getAttributes().containsKey("MessageGroupId")) {
                    stage.due(item, m.getMessageId());
                    continue;
                }
                Duration left = Duration.ofMillis(context.getRemainingTimeInMillis()).minus(MARGIN);
                Instant stopAt = Instant.now().plus(left);
                // The checks' own deadline comes after stopAt, so that a check cut off there is sent back rather
                // than settled as "no answer in time".
                SmtpStage.Worked worked = stage.work(item, checker.apply(left.isNegative() ? MARGIN.dividedBy(2)
                        : left.plus(MARGIN.dividedBy(2))), stopAt, m.getMessageId());
                context.getLogger().log("job " + item.job() + " chunk " + item.chunk() + " try " + item.tries() + ": "
                        + worked.settled() + " settled, " + worked.rechecks() + " to recheck, " + worked.notReached()
                        + " not reached (sent back)" + worked.ended().map(j -> "; job " + j.status()).orElse(""));
            } catch (RuntimeException e) {
                context.getLogger().log(LogPrivacy.text("message " + m.getMessageId() + " failed, to be retried: " + e));
                failures.add(new SQSBatchResponse.BatchItemFailure(m.getMessageId()));
            }
        }
        return new SQSBatchResponse(failures);
    }
}
