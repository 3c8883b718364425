package dev.safeupdater.policy;

/**
 * How a scope's decisions are used: {@code ENFORCE} (applied) or {@code DRY_RUN} (recorded with mode DRY_RUN and
 * never applied, so owners can compare a new policy with what happens today). Written {@code enforce} and
 * {@code dry-run} in policy files.
 */
public enum Mode {
    ENFORCE, DRY_RUN;

    public String yamlName() {
        return this == ENFORCE ? "enforce" : "dry-run";
    }

    static Mode fromYaml(String v) {
        return "dry-run".equals(v) ? DRY_RUN : ENFORCE;
    }
}
