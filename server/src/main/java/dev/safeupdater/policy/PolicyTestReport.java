package dev.safeupdater.policy;

import java.util.List;

import dev.safeupdater.model.Outcome;

/**
 * The result of running owner test cases: each case with its differences, files that could not be read, the rules
 * no case fired (coverage) and a summary.
 */
public record PolicyTestReport(List<CaseResult> cases, List<RuleMessage> errors, List<String> uncoveredRules,
                               Summary summary) {
    public PolicyTestReport {
        cases = List.copyOf(cases);
        errors = List.copyOf(errors);
        uncoveredRules = List.copyOf(uncoveredRules);
    }

    public enum Status {
        PASS, FAIL, ERROR
    }

    /** One case: where it is, how it went, what differed and what the policy actually said. */
    public record CaseResult(String file, int line, String name, Status status, List<String> differences,
                             Outcome outcome, String decidedBy, String scope, List<String> fired,
                             List<String> reasons) {
        public CaseResult {
            differences = List.copyOf(differences);
            fired = fired == null ? List.of() : List.copyOf(fired);
            reasons = reasons == null ? List.of() : List.copyOf(reasons);
        }

        public String location() {
            return file + ":" + line;
        }
    }

    /** Counts; {@code errors} counts cases that could not run plus files that could not be read. */
    public record Summary(int total, int passed, int failed, int errors) {
        public boolean ok() {
            return failed == 0 && errors == 0 && total > 0;
        }

        @Override
        public String toString() {
            return total + " case" + (total == 1 ? "" : "s") + ": " + passed + " passed, " + failed + " failed, "
                    + errors + " error" + (errors == 1 ? "" : "s");
        }
    }

    public boolean ok() {
        return summary.ok();
    }

    /** The failures and errors as {@code file:line:column: message} entries (for refusing an activation). */
    public List<RuleMessage> problems() {
        java.util.ArrayList<RuleMessage> out = new java.util.ArrayList<>(errors);
        for (CaseResult c : cases) {
            if (c.status() != Status.PASS) {
                out.add(new RuleMessage(c.file(), c.line(), 0, "test case \"" + c.name() + "\" "
                        + (c.status() == Status.FAIL ? "failed: " : "could not run: ")
                        + String.join("; ", c.differences())));
            }
        }
        if (cases.isEmpty() && errors.isEmpty()) {
            out.add(new RuleMessage("", 0, 0, "no test cases found"));
        }
        return out;
    }
}
