package dev.safeupdater.execution;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.safeupdater.version.ChangeClassifier;

/** Collects field errors for a request, then throws them all at once. */
final class InputCheck {
    private static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}");
    /** registry[:port]/path components; no tag or digest (those are separate fields). */
    private static final Pattern IMAGE = Pattern.compile(
            "(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
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
        } else if (!IMAGE.matcher(value).matches()) {
            errors.add(new FieldError(field, "is not an image repository reference (e.g. nginx, ghcr.io/org/app);"
                    + " give the tag and digest in their own fields: \"" + abbreviate(value) + "\""));
        }
        return this;
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
