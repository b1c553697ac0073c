package dev.mailcheck.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.mailcheck.Defects;
import dev.mailcheck.jobs.Chunk;
import dev.mailcheck.jobs.JobWorkflow;
import dev.mailcheck.jobs.SmtpStage;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Lambda entry point for the chunk queue. Each message is one chunk, checked by the {@link JobWorkflow} (a chunk
 * of a job with the SMTP probe goes through the DNS stage, its domains on to the {@link SmtpStage}), or the rest
 * of an erasure ({@link Erasure}); a
 * chunk that fails is reported alone (ReportBatchItemFailures), so SQS retries only it and, after the
 * redrive limit, moves it to the dead-letter queue, while the chunks that succeeded are deleted.
 */
@Named("sqs")
@Singleton
public final class SqsChunkHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private static final Logger LOG = Logger.getLogger(SqsChunkHandler.class.getName());

    /** Left of the invocation's time when an erasure hands its rest on: a step and a message fit in it. */
    private static final Duration ERASURE_MARGIN = Duration.ofSeconds(30);

    private final Function<Chunk, JobWorkflow.Processed> process;
    private final Erasure erasure;

    public SqsChunkHandler() {
        this(Functions.environment().smtpStage()::process, Functions.environment().erasure());
    }

    /** DNS-only chunks alone. */
    SqsChunkHandler(JobWorkflow workflow, Erasure erasure) {
        this(workflow::process, erasure);
    }

    /** @param process a chunk through the workflow, or through the DNS stage of an SMTP job ({@link SmtpStage}) */
    SqsChunkHandler(Function<Chunk, JobWorkflow.Processed> process, Erasure erasure) {
        this.process = process;
        this.erasure = erasure;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (SQSEvent.SQSMessage m : event.getRecords()) {
            try {
                if (Erasure.jobOf(m.getBody()).isPresent()) {
                    // An erasure a DELETE began: carried on until the margin, the rest handed on again.
                    erasure.carryOn(m.getBody(), Instant.now().plusMillis(context.getRemainingTimeInMillis())
                            .minus(ERASURE_MARGIN));
                    continue;
                }
                Chunk chunk = Chunk.fromJson(m.getBody());
                JobWorkflow.Processed processed;
                try (Invocation in = Invocation.of(context)) {
                    processed = process.apply(chunk); // the chunk that completes its job assembles the results file
                }
                String finished = processed.ended().map(job -> "; job " + job.status() + ": " + job.total()
                        + " results -> " + job.resultsKey()).orElse("");
                LOG.info("job " + chunk.job() + " chunk " + chunk.chunk() + ": " + (processed.checked()
                        ? chunk.records().size() + " results" + finished
                        : "skipped, the job has ended or is not in the table (erased, expired, or never started)"));
            } catch (RuntimeException e) {
                Defects.log("in message " + m.getMessageId() + ", to be retried", e);
                failures.add(new SQSBatchResponse.BatchItemFailure(m.getMessageId()));
            }
        }
        return new SQSBatchResponse(failures);
    }
}
