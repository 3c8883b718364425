package dev.safeupdater.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import dev.safeupdater.execution.ConflictException;
import dev.safeupdater.execution.NotFoundException;
import dev.safeupdater.execution.Services;
import dev.safeupdater.model.Approval;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code safe-updater approve ID} and {@code reject ID}: vote on a held decision, as {@code POST
 * /api/v1/decisions/{id}/approve|reject} does. The voter is {@code cli:<operating-system user>}.
 * Exit status: 0 voted, 2 invalid input, 4 no such decision, 5 the decision takes no votes (not held, or a newer
 * digest is behind the tag).
 */
abstract class VoteCommand implements Callable<Integer> {
    static final int EXIT_CONFLICT = 5;

    private final Launcher launcher;
    private final boolean approve;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The held decision's id (GET /api/v1/approvals lists them).")
    long decisionId;

    @Option(names = "--comment", paramLabel = "TEXT", description = "Why (kept with the vote and in the audit log).")
    String comment;

    VoteCommand(Launcher launcher, boolean approve) {
        this.launcher = launcher;
        this.approve = approve;
    }

    @Command(name = "approve", description = "Approve the candidate of a held decision.")
    static final class Approve extends VoteCommand {
        Approve(Launcher launcher) {
            super(launcher, true);
        }
    }

    @Command(name = "reject", description = "Reject the candidate of a held decision: the version is pinned for the asset.")
    static final class Reject extends VoteCommand {
        Reject(Launcher launcher) {
            super(launcher, false);
        }
    }

    @Override
    public Integer call() throws Exception {
        Services services = launcher.open(common.flags(), true, false);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String voter = "cli:" + System.getProperty("user.name", "unknown");
        try {
            Approval a = approve ? services.approvals().approve(decisionId, comment, voter)
                    : services.approvals().reject(decisionId, comment, voter);
            out.printf("%s %s asset %d -> %s%s (vote %d)%n", voter, approve ? "approved" : "rejected", a.assetId(),
                    a.toTag(), a.toDigest() == null ? "" : "@" + a.toDigest(), a.id());
            if (!approve) {
                out.println("the version is pinned for the asset: the policy rejects it from now on");
            }
            out.flush();
            return 0;
        } catch (NotFoundException e) {
            err.println("safe-updater: " + e.getMessage());
            err.flush();
            return UpdatesCommand.EXIT_NOT_FOUND;
        } catch (ConflictException e) {
            err.println("safe-updater: " + e.getMessage());
            err.flush();
            return EXIT_CONFLICT;
        } finally {
            services.close();
        }
    }
}
