package dev.mailcheck.smtp;

import dev.mailcheck.SmtpReply;
import java.time.Instant;

/**
 * A provider group the prober stays away from: the refusal that tripped the block breaker and until when.
 *
 * @param group   the provider group ({@link ProviderGroups}) of the host that refused
 * @param host    the MX host that refused
 * @param address its IP address
 * @param reply   the refusal's code and enhanced code
 * @param text    the refusal as it was heard ("554 5.7.1 ... reputation")
 * @param at      when it was heard
 * @param until   when the cool-down ends
 */
public record Block(String group, String host, String address, SmtpReply reply, String text, Instant at,
                    Instant until) {
}
