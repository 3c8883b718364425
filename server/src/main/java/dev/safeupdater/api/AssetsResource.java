package dev.safeupdater.api;

import dev.safeupdater.execution.AssetRequest;
import dev.safeupdater.execution.AssetService;
import dev.safeupdater.execution.DecideRequest;
import dev.safeupdater.execution.DecisionService;
import dev.safeupdater.model.Decision;
import dev.safeupdater.store.AssetStore;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code /api/v1/assets}: register static assets, list and read assets, decide a candidate for one. */
final class AssetsResource implements HttpService {
    private final AssetService assets;
    private final DecisionService decisions;

    AssetsResource(AssetService assets, DecisionService decisions) {
        this.assets = assets;
        this.decisions = decisions;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.put("/", this::upsert)
                .get("/", this::list)
                .get("/{id}", this::get)
                .post("/{id}/decide", this::decide);
    }

    private void upsert(ServerRequest req, ServerResponse res) {
        AssetRequest body = Json.read(req, AssetRequest.class);
        AssetStore.Upserted result = assets.upsert(body, Actors.of(req));
        res.header(HeaderNames.LOCATION, "/api/v1/assets/" + result.asset().id());
        Json.send(res, result.created() ? 201 : 200, result.asset());
    }

    private void list(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, assets.list(Params.string(req, "cursor"), Params.limit(req)));
    }

    private void get(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, assets.find(Params.pathId(req, "id")));
    }

    private void decide(ServerRequest req, ServerResponse res) {
        long id = Params.pathId(req, "id");
        DecideRequest body = Json.read(req, DecideRequest.class);
        Decision d = decisions.decide(id, body, Actors.of(req));
        res.header(HeaderNames.LOCATION, "/api/v1/decisions/" + d.id());
        Json.send(res, 201, d);
    }
}
