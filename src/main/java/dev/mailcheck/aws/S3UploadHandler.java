package dev.mailcheck.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3EventNotificationRecord;
import dev.mailcheck.Defects;
import dev.mailcheck.LogPrivacy;
import dev.mailcheck.store.Job;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Lambda entry point for objects created under {@code uploads/}: each one is checked, or split into
 * chunks for {@link SqsChunkHandler} (see {@link UploadProcessor}). Anything else in the event is
 * skipped and said so, which also stops a notification on {@code results/} from recursing. An upload that fails
 * fails the invocation (Lambda tries the event again, then hands it to {@link FailureHandler}), its defect logged
 * by {@link Defects} under an id that the invocation's error names, and so the job's error in the end.
 */
@Named("s3")
@Singleton
public final class S3UploadHandler implements RequestHandler<S3Event, String> {

    private static final Logger LOG = Logger.getLogger(S3UploadHandler.class.getName());

    private final UploadProcessor processor;

    /** As Lambda constructs it: configuration from the environment. */
    public S3UploadHandler() {
        this(Functions.environment().uploads());
    }

    S3UploadHandler(UploadProcessor processor) {
        this.processor = processor;
    }

    @Override
    public String handleRequest(S3Event event, Context context) {
        List<String> done = new ArrayList<>();
        for (S3EventNotificationRecord r : event.getRecords()) {
            String bucket = r.getS3().getBucket().getName();
            String key = r.getS3().getObject().getUrlDecodedKey();
            if (!key.startsWith(UploadProcessor.UPLOADS)) {
                LOG.info(LogPrivacy.text("skipped s3://" + bucket + "/" + key + ": not under " + UploadProcessor.UPLOADS));
                continue;
            }
            Job job;
            try (Invocation in = Invocation.of(context)) { // a list checked in one piece assembles its file here
                job = processor.process(bucket, key, r.getS3().getObject().geteTag());
            } catch (RuntimeException e) {
                String id = Defects.log("processing s3://" + bucket + "/" + key + ", to be retried", e);
                throw new IllegalStateException(Defects.mention(id) + ": " + e, e);
            }
            String line = job.id() + " " + job.source() + ": " + (!job.finished() ? "split into " + job.chunks() + " chunks"
                    : job.error() != null ? job.status() + ": " + job.error()
                    : job.total() + " results, " + job.counts() + " -> s3://" + bucket + "/" + job.resultsKey());
            LOG.info(LogPrivacy.text(line));
            done.add(line);
        }
        return String.join("\n", done);
    }
}
