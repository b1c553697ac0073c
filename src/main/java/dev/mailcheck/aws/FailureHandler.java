package dev.mailcheck.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.Defects;
import dev.mailcheck.LogPrivacy;
import dev.mailcheck.jobs.Chunk;
import dev.mailcheck.jobs.JobWorkflow;
import dev.mailcheck.jobs.SmtpItem;
import dev.mailcheck.jobs.SmtpStage;
import dev.mailcheck.store.Job;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Lambda entry point for work given up on, so that no job stays {@code running} forever: chunks that
 * reached the chunk queue's dead-letter queue, SMTP work items and rechecks that reached theirs, and Lambda's on-failure records of uploads the upload
 * function failed on every try (an error, a crash, a timeout). Each ends its job partial or failed, with
 * the reason and the counts of what was and wasn't checked (see {@link JobWorkflow#giveUp(Chunk, String)} and
 * {@link UploadProcessor#giveUp}).
 */
@Named("failures")
@Singleton
public final class FailureHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private static final Logger LOG = Logger.getLogger(FailureHandler.class.getName());

    private static final ObjectMapper JSON = new ObjectMapper();

    private final UploadProcessor uploads;
    private final JobWorkflow chunks;
    private final Function<SmtpItem, Optional<Job>> smtpGiveUp;

    public FailureHandler() {
        this(Functions.environment().uploads(), Functions.environment().chunks(),
                Functions.environment().smtpStage()::giveUp);
    }

    FailureHandler(UploadProcessor uploads, JobWorkflow chunks) {
        this(uploads, chunks, item -> {
            throw new IllegalStateException("an SMTP work item where SMTP jobs are off");
        });
    }

    /** @param smtpGiveUp ends the job of an SMTP work item that failed every delivery ({@link SmtpStage#giveUp}) */
    FailureHandler(UploadProcessor uploads, JobWorkflow chunks, Function<SmtpItem, Optional<Job>> smtpGiveUp) {
        this.uploads = uploads;
        this.chunks = chunks;
        this.smtpGiveUp = smtpGiveUp;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (SQSEvent.SQSMessage m : event.getRecords()) {
            try {
                List<Job> ended;
                try (Invocation in = Invocation.of(context)) {
                    ended = giveUp(m.getBody()); // the last word: an assembly stopped in time ends the job failed
                }
                for (Job job : ended) {
                    LOG.info(LogPrivacy.text("job " + job.id() + " ended " + job.status() + ": " + job.error()));
                }
            } catch (RuntimeException e) {
                Defects.log("in message " + m.getMessageId() + ", to be retried", e);
                failures.add(new SQSBatchResponse.BatchItemFailure(m.getMessageId()));
            }
        }
        return new SQSBatchResponse(failures);
    }

    /** @return the jobs this message ended */
    List<Job> giveUp(String body) {
        JsonNode message;
        try {
            message = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("neither a chunk nor an on-failure record: " + e.getOriginalMessage(), e);
        }
        if (message.has("entries")) {
            return smtpGiveUp.apply(SmtpItem.fromJson(body)).stream().toList();
        }
        if (!message.has("requestPayload")) {
            Chunk chunk = Chunk.fromJson(body);
            return chunks.giveUp(chunk, "failed on every delivery and went to the dead-letter queue (see the chunk"
                    + " function's log)").stream().toList();
        }
        String why = "the upload function gave up (" + message.at("/requestContext/condition").asText("failed")
                + " after " + message.at("/requestContext/approximateInvokeCount").asText("?") + " tries): "
                + message.at("/responsePayload/errorType").asText("") + " "
                + message.at("/responsePayload/errorMessage").asText("no error message");
        List<Job> ended = new ArrayList<>();
        for (JsonNode r : message.at("/requestPayload/Records")) {
            JsonNode s3 = r.path("s3");
            // Keys in S3 events are URL-encoded, spaces as '+'.
            String key = URLDecoder.decode(s3.at("/object/key").asText(), StandardCharsets.UTF_8);
            if (key.startsWith(UploadProcessor.UPLOADS)) {
                Optional<Job> job = uploads.giveUp(s3.at("/bucket/name").asText(), key, s3.at("/object/eTag").asText(),
                        why.strip());
                job.ifPresent(ended::add);
            }
        }
        return ended;
    }
}
