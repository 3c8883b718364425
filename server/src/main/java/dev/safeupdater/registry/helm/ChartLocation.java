package dev.safeupdater.registry.helm;

/**
 * Where a chart's versions are published, as the inventory writes it into a Helm release asset's {@code image}:
 * {@code oci://host[:port]/path/chart} (an OCI repository whose tags are the chart versions) or
 * {@code http(s)://repo/path/chart} (an HTTP chart repository {@code http(s)://repo/path} with an {@code index.yaml},
 * and the chart's name as the last segment).
 *
 * @param repository for OCI: {@code host/path/chart} (the registry repository); for HTTP: the repository URL
 */
public record ChartLocation(Kind kind, String repository, String chart) {
    /** The two kinds of chart repository. */
    public enum Kind {
        OCI, HTTP
    }

    /** Parses a location; throws {@link IllegalArgumentException} when it is neither kind. */
    public static ChartLocation parse(String location) {
        String s = location == null ? "" : location.strip();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        int slash = s.lastIndexOf('/');
        if (s.startsWith("oci://") && slash > "oci://".length()) {
            String repository = s.substring("oci://".length());
            return new ChartLocation(Kind.OCI, repository, s.substring(slash + 1));
        }
        if ((s.startsWith("https://") || s.startsWith("http://")) && slash > s.indexOf("://") + 3) {
            return new ChartLocation(Kind.HTTP, s.substring(0, slash), s.substring(slash + 1));
        }
        throw new IllegalArgumentException("\"" + location + "\" is not an oci:// or http(s):// chart location");
    }
}
