package dev.safeupdater.registry;

/** An OS/architecture[/variant] such as {@code linux/amd64} or {@code linux/arm64/v8}. */
public record Platform(String os, String architecture, String variant) {
    public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);

    public static Platform parse(String s) {
        String[] p = s == null ? new String[0] : s.strip().split("/");
        if (p.length < 2 || p.length > 3 || p[0].isBlank() || p[1].isBlank()) {
            throw new IllegalArgumentException("platform must be os/architecture[/variant], e.g. linux/amd64, not \""
                    + s + "\"");
        }
        return new Platform(p[0], p[1], p.length == 3 ? p[2] : null);
    }

    /** True when an index entry's platform fields match; a variant is only compared when this one names one. */
    boolean matches(String os, String architecture, String variant) {
        return this.os.equals(os) && this.architecture.equals(architecture)
                && (this.variant == null || this.variant.equals(variant));
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
