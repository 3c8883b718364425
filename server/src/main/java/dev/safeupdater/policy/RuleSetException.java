package dev.safeupdater.policy;

import java.util.List;
import java.util.stream.Collectors;

/** A rule set was refused as a whole; {@link #messages()} says where and why. */
public final class RuleSetException extends Exception {
    private final List<RuleMessage> messages;

    public RuleSetException(List<RuleMessage> messages) {
        super(messages.stream().map(RuleMessage::toString).collect(Collectors.joining("\n")));
        this.messages = List.copyOf(messages);
    }

    public List<RuleMessage> messages() {
        return messages;
    }
}
