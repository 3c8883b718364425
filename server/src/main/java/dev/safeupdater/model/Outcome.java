package dev.safeupdater.model;

/** A policy outcome. When several rules speak, the strongest wins: REJECT beats HOLD beats APPROVE. */
public enum Outcome {
    APPROVE(0), HOLD(1), REJECT(2);

    private final int strength;

    Outcome(int strength) {
        this.strength = strength;
    }

    /** The stronger of two outcomes; {@code null} counts as no outcome. */
    public static Outcome strongest(Outcome a, Outcome b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return a.strength >= b.strength ? a : b;
    }
}
