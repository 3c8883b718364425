package dev.safeupdater.execution;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.safeupdater.version.ChangeClassifier;

/** Collects field errors for a request, then throws them all at once. */
final class InputCheck {
    private static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}");
    private static final int MAX_NAME = 253;
    /** Longer than any OCI digest (sha512: 7 + 128); bounds the regular expression's input too. */
    private static final int MAX_DIGEST = 255;
    private static final int MAX_LABELS = 256;

    private final List<FieldError> errors = new ArrayList<>();

    InputCheck required(String field, String value) {
        if (value == null || value.isBlank()) {
            errors.add(new FieldError(field, "is required"));
        }
        return this;
    }

    InputCheck name(String field, String value) {
        if (value != null && value.length() > MAX_NAME) {
            errors.add(new FieldError(field, "is longer than " + MAX_NAME + " characters"));
        }
        return this;
    }

    InputCheck tag(String field, String value) {
        if (value != null && !value.isBlank() && !ChangeClassifier.isValidTag(value)) {
            errors.add(new FieldError(field, "is not a valid image tag (letters, digits, '_', '.', '-'; at most 128;"
                    + " not starting with '.' or '-'): \"" + abbreviate(value) + "\""));
        }
        return this;
    }

    InputCheck digest(String field, String value) {
        if (value != null && value.length() > MAX_DIGEST) {
            errors.add(new FieldError(field, "is longer than " + MAX_DIGEST + " characters"));
        } else if (value != null && !DIGEST.matcher(value).matches()) {
            errors.add(new FieldError(field, "is not a digest like sha256:<64 hex digits>"));
        }
        return this;
    }

    InputCheck image(String field, String value) {
        if (value == null || value.isBlank()) {
            return this;
        }
        if (value.length() > 512) {
            errors.add(new FieldError(field, "is longer than 512 characters"));
        } else if (!isImageReference(value)) {
            errors.add(new FieldError(field, "is not an image repository reference (e.g. nginx, ghcr.io/org/app);"
                    + " give the tag and digest in their own fields: \"" + abbreviate(value) + "\""));
        }
        return this;
    }

    /**
     * An image repository reference without tag or digest (those are separate fields): an optional
     * {@code registry[:port]/} ({@code [a-zA-Z0-9.-]+}, port digits), then path components separated by {@code /}, each
     * lowercase letters and digits joined by one {@code .}, one or two {@code _}, or any number of {@code -}. The same
     * language as the regular expression
     * {@code (?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*},
     * checked by hand: it runs on every evaluate request.
     */
    static boolean isImageReference(String value) {
        int firstSlash = value.indexOf('/');
        // all of it as path components, or (when there is a slash) the first segment as the registry
        return componentsFrom(value, 0)
                || firstSlash > 0 && isRegistry(value, firstSlash) && componentsFrom(value, firstSlash + 1);
    }

    /** Whether {@code value[from..]} is one or more path components separated by single slashes. */
    private static boolean componentsFrom(String value, int from) {
        int start = from;
        int n = value.length();
        while (true) {
            int slash = value.indexOf('/', start);
            int end = slash < 0 ? n : slash;
            if (!isComponent(value, start, end)) {
                return false;
            }
            if (slash < 0) {
                return true;
            }
            start = slash + 1;
        }
    }

    /** {@code [a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*} over {@code value[start..end)}. */
    private static boolean isComponent(String value, int start, int end) {
        if (start >= end || !isLowerAlnum(value.charAt(start)) || !isLowerAlnum(value.charAt(end - 1))) {
            return false;
        }
        int i = start + 1;
        while (i < end) {
            char c = value.charAt(i);
            if (isLowerAlnum(c)) {
                i++;
                continue;
            }
            // a run of separators between two alphanumerics (the last character is one, so the run ends before end)
            int runStart = i;
            while (i < end && !isLowerAlnum(value.charAt(i))) {
                i++;
            }
            if (!isSeparator(value, runStart, i)) {
                return false;
            }
        }
        return true;
    }

    /** {@code .}, {@code _}, {@code __} or {@code -+}. */
    private static boolean isSeparator(String value, int start, int end) {
        int len = end - start;
        char first = value.charAt(start);
        if (first == '.') {
            return len == 1;
        }
        if (first == '_') {
            return len == 1 || len == 2 && value.charAt(start + 1) == '_';
        }
        if (first != '-') {
            return false;
        }
        for (int i = start + 1; i < end; i++) {
            if (value.charAt(i) != '-') {
                return false;
            }
        }
        return true;
    }

    /** {@code [a-zA-Z0-9.-]+(?::[0-9]+)?} over {@code value[0..end)}. */
    private static boolean isRegistry(String value, int end) {
        int colon = value.indexOf(':');
        int hostEnd = colon >= 0 && colon < end ? colon : end;
        if (hostEnd == 0) {
            return false;
        }
        for (int i = 0; i < hostEnd; i++) {
            char c = value.charAt(i);
            if (!(isLowerAlnum(c) || c >= 'A' && c <= 'Z' || c == '.' || c == '-')) {
                return false;
            }
        }
        if (hostEnd == end) {
            return true;
        }
        if (hostEnd + 1 == end) {
            return false; // a colon without a port
        }
        for (int i = hostEnd + 1; i < end; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isLowerAlnum(char c) {
        return c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
    }

    InputCheck labels(String field, Map<String, String> labels) {
        if (labels == null) {
            return this;
        }
        if (labels.size() > MAX_LABELS) {
            errors.add(new FieldError(field, "has more than " + MAX_LABELS + " entries"));
        }
        labels.forEach((k, v) -> {
            if (k == null || k.isEmpty() || k.length() > 317) {
                errors.add(new FieldError(field, "has an empty or over-long key"));
            } else if (v == null) {
                errors.add(new FieldError(field + "." + k, "must be a string"));
            } else if (v.length() > 4096) {
                errors.add(new FieldError(field + "." + k, "is longer than 4096 characters"));
            }
        });
        return this;
    }

    InputCheck add(List<FieldError> more) {
        errors.addAll(more);
        return this;
    }

    InputCheck maxLength(String field, String value, int max) {
        if (value != null && value.length() > max) {
            errors.add(new FieldError(field, "is longer than " + max + " characters"));
        }
        return this;
    }

    InputCheck oneOf(String field, String value, List<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            errors.add(new FieldError(field, "must be one of " + String.join(", ", allowed)));
        }
        return this;
    }

    InputCheck future(String field, java.time.Instant value, java.time.Instant now) {
        if (value != null && !value.isAfter(now)) {
            errors.add(new FieldError(field, "must be in the future"));
        }
        return this;
    }

    InputCheck fail(String field, String message) {
        errors.add(new FieldError(field, message));
        return this;
    }

    void throwIfAny() {
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
