package dev.safeupdater.policy;

import java.time.Instant;

/**
 * What decides: one compiled rule set and one policy set, activated together and never changed afterwards.
 *
 * @param trigger what activated it (startup, api, watcher, ...)
 * @param tests   the owner test run that gated the activation, or null when tests were not required
 */
public record PolicySnapshot(RuleSet rules, PolicySet policies, Instant activatedAt, String trigger,
                             PolicyTestReport.Summary tests) {
}
