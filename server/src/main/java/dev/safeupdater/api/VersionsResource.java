package dev.safeupdater.api;

import dev.safeupdater.execution.VersionService;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /api/v1/versions/candidates}: the candidates for a current tag among given tags (or an image's
 * registry tags), with the reason every other tag was ignored. Nothing is stored but the image's tag listing.
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
        Json.send(res, 200, versions.view(body));
    }
}
