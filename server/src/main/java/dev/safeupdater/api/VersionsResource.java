package dev.safeupdater.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.safeupdater.execution.VersionService;
import dev.safeupdater.version.ParsedTag;
import dev.safeupdater.version.Selection;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /api/v1/versions/candidates}: the candidates for a current tag among given tags, with the reason
 * every other tag was ignored. Pure computation; nothing is stored.
 */
final class VersionsResource implements HttpService {
    private final VersionService versions;

    VersionsResource(VersionService versions) {
        this.versions = versions;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/candidates", this::candidates);
    }

    private void candidates(ServerRequest req, ServerResponse res) {
        VersionService.CandidatesRequest body = Json.read(req, VersionService.CandidatesRequest.class);
        Json.send(res, 200, render(versions.candidates(body)));
    }

    /** {@code {"current": {...}, "candidates": {"patch": …, "minor": …, "major": …, "prerelease": …}, "ignored": […]}} */
    static Map<String, Object> render(Selection s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("current", ParsedTag.of(s.current()));
        Map<String, String> candidates = new LinkedHashMap<>();
        s.candidateTags().forEach((c, tag) -> candidates.put(c.key(), tag));
        out.put("candidates", candidates);
        List<Selection.Ignored> ignored = s.ignored();
        out.put("ignored", ignored);
        return out;
    }
}
