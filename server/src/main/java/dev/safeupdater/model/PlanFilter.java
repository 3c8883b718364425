package dev.safeupdater.model;

/**
 * Which plan entries to list; null fields do not filter. {@code outcome}: APPROVE, HOLD, REJECT or NONE (nothing to
 * propose); {@code image}: the image as stored (repository without tag).
 */
public record PlanFilter(String namespace, String source, String outcome, String scope, String image) {
    public static final PlanFilter ALL = new PlanFilter(null, null, null, null, null);
}
