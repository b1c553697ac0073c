package dev.mailcheck.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.mailcheck.LogPrivacy;
import dev.mailcheck.jobs.Chunk;
import dev.mailcheck.jobs.JobWorkflow;
import dev.mailcheck.jobs.SmtpStage;
import dev.mailcheck.store.Job;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Lambda entry point for the chunk queue. Each message is one chunk, checked by the {@link JobWorkflow} (a chunk
 * of a job with the SMTP probe goes through the DNS stage, its domains on to the {@link SmtpStage}); a
 * chunk that fails is reported alone (ReportBatchItemFailures), so SQS retries only it and, after the
 * redrive limit, moves it to the dead-letter queue, while the chunks that succeeded are deleted.
 */
@Named("sqs")
@Singleton
public final class SqsChunkHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private final Function<Chunk, Optional<Job>> process;

    public SqsChunkHandler() {
        this(Functions.environment().smtpStage()::process);
    }

    /** DNS-only chunks alone. */
    SqsChunkHandler(JobWorkflow workflow) {
        this(workflow::process);
    }

    /** @param process a chunk through the workflow, or through the DNS stage of an SMTP job ({@link SmtpStage}) */
    SqsChunkHandler(Function<Chunk, Optional<Job>> process) {
        this.process = process;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (SQSEvent.SQSMessage m : event.getRecords()) {
            try {
                Chunk chunk = Chunk.fromJson(m.getBody());
                String finished = process.apply(chunk).map(job -> "; job " + job.status() + ": " + job.total()
                        + " results -> " + job.resultsKey()).orElse("");
                context.getLogger().log("job " + chunk.job() + " chunk " + chunk.chunk() + ": " + chunk.records().size()
                        + " results" + finished);
            } catch (RuntimeException e) {
                context.getLogger().log(LogPrivacy.text("message " + m.getMessageId() + " failed, to be retried: " + e));
                failures.add(new SQSBatchResponse.BatchItemFailure(m.getMessageId()));
            }
        }
        return new SQSBatchResponse(failures);
    }
}
