package dev.mailcheck.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.mailcheck.Defects;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.jobs.SmtpItem;
import dev.mailcheck.jobs.SmtpStage;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.smtp.SmtpProber;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Lambda entry point for SMTP work: items from the FIFO queue (a message group per provider group slot) are
 * probed by the {@link SmtpStage} until the function's remaining time less {@link #MARGIN}, what is left sent
 * back (a batch's message groups side by side, each group's items in order); items from the recheck queue (no message group) whose delay is over are moved to the FIFO queue, where
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
    /**
     * The checks' own deadline comes this long after the cut, so that a check cut off is sent back rather than
     * settled as "no answer in time", and the prober stops asking about it at once after the cut.
     */
    private static final Duration GRACE = Duration.ofMillis(200);

    private final SmtpStage stage;
    private final MxResolver dns;
    private final Function<Boolean, SmtpProber> probers;

    public SqsSmtpHandler() {
        this(Functions.environment().smtpStage(), Functions.environment().dns(), Functions.environment()::smtpProber);
    }

    /**
     * @param probers a new prober for each item, going on to DATA's 354 when given true (the item's
     *                {@link SmtpItem#data}), its block breaker and budgets shared with every worker (it throws where
     *                the probe is off: SMTP work then fails, to be dead-lettered)
     */
    SqsSmtpHandler(SmtpStage stage, MxResolver dns, Function<Boolean, SmtpProber> probers) {
        this.stage = stage;
        this.dns = dns;
        this.probers = probers;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        // A batch from the FIFO queue may hold several message groups: each group's items in order, one after
        // another (a group is never probed by two at once), the groups side by side, so that one invocation
        // (and its GB-seconds) serves up to a batch of providers.
        Map<String, List<SQSEvent.SQSMessage>> groups = new LinkedHashMap<>();
        for (SQSEvent.SQSMessage m : event.getRecords()) {
            String group = m.getAttributes() == null ? null : m.getAttributes().get("MessageGroupId");
            groups.computeIfAbsent(group == null ? "" : group, g -> new ArrayList<>()).add(m);
        }
        List<SQSBatchResponse.BatchItemFailure> failures = new CopyOnWriteArrayList<>();
        try (ExecutorService each = Executors.newVirtualThreadPerTaskExecutor()) {
            groups.forEach((group, messages) -> each.execute(() -> {
                for (int i = 0; i < messages.size(); i++) {
                    SQSEvent.SQSMessage m = messages.get(i);
                    if (!handle(m, !group.isEmpty(), context)) {
                        // The group's later items wait behind the failed one, as SQS keeps a group in order.
                        for (SQSEvent.SQSMessage later : group.isEmpty() ? List.of(m) : messages.subList(i, messages.size())) {
                            failures.add(new SQSBatchResponse.BatchItemFailure(later.getMessageId()));
                        }
                        if (!group.isEmpty()) {
                            return;
                        }
                    }
                }
            }));
        }
        return new SQSBatchResponse(List.copyOf(failures));
    }

    /** One message: an item to work on (FIFO), or a recheck whose delay is over (the recheck queue); false if it failed. */
    private boolean handle(SQSEvent.SQSMessage m, boolean work, Context context) {
        try {
            SmtpItem item = SmtpItem.fromJson(m.getBody());
            if (!work) {
                stage.due(item, m.getMessageId());
                return true;
            }
            SmtpStage.Worked worked;
            try (Invocation in = Invocation.of(context)) {
                worked = work(item, context, m.getMessageId()); // the item that ends its job assembles its file
            }
            context.getLogger().log("job " + item.job() + " chunk " + item.chunk() + " try " + item.tries() + ": "
                    + worked.settled() + " settled, " + worked.rechecks() + " to recheck, " + worked.notReached()
                    + " not reached (sent back)" + worked.ended().map(j -> "; job " + j.status()).orElse(""));
            return true;
        } catch (RuntimeException e) {
            Defects.log("in message " + m.getMessageId() + ", to be retried", e);
            return false;
        }
    }

    /**
     * One item with a prober of its own, closed before the item is done: no session outlives its item, so the
     * next item of the provider group (maybe at another instance) never meets this one's session still open.
     */
    private SmtpStage.Worked work(SmtpItem item, Context context, String messageId) {
        Duration left = Duration.ofMillis(context.getRemainingTimeInMillis()).minus(MARGIN);
        left = left.isNegative() ? Duration.ZERO : left;
        Instant stopAt = Instant.now().plus(left);
        try (SmtpProber prober = probers.apply(item.data())) {
            return stage.work(item, new Checker(dns).withSmtp(prober).withDeadline(left.plus(GRACE)), stopAt, messageId);
        }
    }
}
