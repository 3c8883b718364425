package dev.safeupdater.api;

import java.util.List;

import dev.safeupdater.execution.TagService;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /api/v1/tags?image=REF&limit=N}: an image's tags, newest version first, the first N (default 50, 0:
 * all) with digest and release time. A registry failure with nothing cached or stored is a 502 problem; with an
 * older list the answer is 200 with {@code stale: true} and the error.
 */
final class TagsResource implements HttpService {
    private static final int DEFAULT_LIMIT = 50;

    private final TagService tags;

    TagsResource(TagService tags) {
        this.tags = tags;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Long limit = Params.longParam(req, "limit");
        if (limit != null && (limit < 0 || limit > TagService.MAX_LIMIT)) {
            throw ApiException.invalidField("limit", "must be between 0 (all) and " + TagService.MAX_LIMIT);
        }
        TagService.TagReport report = tags.tags(Params.string(req, "image"), limit == null ? DEFAULT_LIMIT
                : limit.intValue());
        if (report.error() != null && report.total() == 0) {
            Problems.send(res, 502, "Registry lookup failed", report.error(), List.of());
            return;
        }
        Json.send(res, 200, report);
    }
}
