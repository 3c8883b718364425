package dev.safeupdater.policy;

import java.util.List;
import java.util.stream.Collectors;

/** A rule set was refused as a whole; {@link #messages()} says where and why. */
public final class RuleSetException extends Exception {
    private final List<RuleMessage> messages;
    private final boolean repeated;

    public RuleSetException(List<RuleMessage> messages) {
        this(messages, false);
    }

    /** {@code repeated}: the same files were refused just before; nothing new was tried. */
    public RuleSetException(List<RuleMessage> messages, boolean repeated) {
        super(messages.stream().map(RuleMessage::toString).collect(Collectors.joining("\n")));
        this.messages = List.copyOf(messages);
        this.repeated = repeated;
    }

    /** True when this refusal repeats the previous one (same files): not a new event. */
    public boolean repeated() {
        return repeated;
    }

    public List<RuleMessage> messages() {
        return messages;
    }
}
