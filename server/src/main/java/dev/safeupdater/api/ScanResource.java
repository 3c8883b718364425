package dev.safeupdater.api;

import java.util.ArrayList;
import java.util.List;

import dev.safeupdater.execution.ScanInProgressException;
import dev.safeupdater.execution.ScanListener;
import dev.safeupdater.execution.ScanService;
import dev.safeupdater.model.ScanRun;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /api/v1/scan}: {@code POST} runs an inventory scan now (every source, or {@code ?source=NAME} /
 * {@code {"source": "NAME"}}) and answers with its per-source results; {@code GET} lists recorded scans, newest
 * first; {@code GET /{id}} reads one.
 */
final class ScanResource implements HttpService {
    private final ScanService scans;

    ScanResource(ScanService scans) {
        this.scans = scans;
    }

    /** The optional request body. */
    record ScanRequest(String source) {
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::scan)
                .get("/", this::list)
                .get("/{id}", this::get);
    }

    private void scan(ServerRequest req, ServerResponse res) {
        List<String> only = new ArrayList<>(req.query().all("source", List::of).stream()
                .filter(s -> !s.isBlank()).toList());
        if (req.content().hasEntity()) {
            ScanRequest body = Json.read(req, ScanRequest.class);
            if (body.source() != null && !body.source().isBlank()) {
                only.add(body.source());
            }
        }
        ScanRun run;
        try {
            run = scans.scan(only, Actors.of(req), ScanListener.NONE);
        } catch (ScanInProgressException e) {
            throw new ApiException(409, "Conflict", e.getMessage());
        }
        res.header(HeaderNames.LOCATION, "/api/v1/scan/" + run.id());
        Json.send(res, 201, run);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, scans.list(Params.string(req, "cursor"), Params.limit(req)));
    }

    private void get(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, scans.find(Params.pathId(req, "id")));
    }
}
