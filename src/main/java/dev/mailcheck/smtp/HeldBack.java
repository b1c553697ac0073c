package dev.mailcheck.smtp;

/**
 * What the prober held back for one provider group.
 *
 * @param group    the provider group
 * @param notTried addresses answered without a connection because the block breaker had tripped
 * @param waited   addresses that waited for a budget (new sessions per MX address, RCPTs per group)
 */
public record HeldBack(String group, long notTried, long waited) {
}
