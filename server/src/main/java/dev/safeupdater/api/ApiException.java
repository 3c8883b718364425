package dev.safeupdater.api;

import java.util.List;

import dev.safeupdater.execution.FieldError;

/** An HTTP error to render as {@code application/problem+json}. */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String title;
    private final List<FieldError> errors;

    public ApiException(int status, String title, String detail) {
        this(status, title, detail, List.of());
    }

    public ApiException(int status, String title, String detail, List<FieldError> errors) {
        super(detail);
        this.status = status;
        this.title = title;
        this.errors = List.copyOf(errors);
    }

    static ApiException badRequest(String detail) {
        return new ApiException(400, "Bad request", detail);
    }

    static ApiException invalidField(String field, String message) {
        return new ApiException(400, "Invalid input", field + " " + message, List.of(new FieldError(field, message)));
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public List<FieldError> errors() {
        return errors;
    }
}
