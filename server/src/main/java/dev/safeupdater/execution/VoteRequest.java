package dev.safeupdater.execution;

/** The body of approving or rejecting a held decision: an optional comment (at most 2000 characters). */
public record VoteRequest(String comment) {
}
