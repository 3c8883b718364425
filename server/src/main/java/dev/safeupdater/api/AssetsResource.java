package dev.safeupdater.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.safeupdater.model.AssetUpsert;
import dev.safeupdater.execution.AssetRequest;
import dev.safeupdater.execution.AssetService;
import dev.safeupdater.execution.DecideRequest;
import dev.safeupdater.execution.DecisionService;
import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.AssetDetail;
import dev.safeupdater.model.AssetFilter;
import dev.safeupdater.model.AssetVersion;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /api/v1/assets}: register static assets, list assets (filtered, paged), read one with its observed versions,
 * decide a candidate for one.
 */
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
        AssetUpsert result = assets.upsert(body, Actors.of(req));
        res.header(HeaderNames.LOCATION, "/api/v1/assets/" + result.asset().id());
        Json.send(res, result.created() ? 201 : 200, result.asset());
    }

    /** {@code ?source=&cluster=&namespace=&kind=&image=&q=&gone=true|false&cursor=&limit=} */
    private void list(ServerRequest req, ServerResponse res) {
        AssetFilter filter = new AssetFilter(Params.string(req, "source"), Params.string(req, "cluster"),
                Params.string(req, "namespace"), Params.string(req, "kind"), Params.string(req, "image"),
                Params.string(req, "q"), bool(req, "gone").orElse(null));
        Json.send(res, 200, assets.list(filter, Params.string(req, "cursor"), Params.limit(req)));
    }

    private void get(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, AssetView.of(assets.detail(Params.pathId(req, "id"))));
    }

    /** One asset as {@code GET /api/v1/assets/{id}} shows it: the asset, its owner, details and observed versions. */
    record AssetView(long id, AssetKey key, String image, String currentTag, String currentDigest,
                     Map<String, String> labels, Map<String, String> annotations, Instant firstSeen,
                     Instant lastSeen, Instant goneAt, String origin, Map<String, Object> details,
                     List<AssetVersion> versions) {
        static AssetView of(AssetDetail d) {
            Asset a = d.asset();
            return new AssetView(a.id(), a.key(), a.image(), a.currentTag(), a.currentDigest(), a.labels(),
                    a.annotations(), a.firstSeen(), a.lastSeen(), a.goneAt(), d.origin(), d.details(), d.versions());
        }
    }

    /** The query parameter {@code name} as a boolean; empty when not given. */
    private static java.util.Optional<Boolean> bool(ServerRequest req, String name) {
        return java.util.Optional.ofNullable(Params.string(req, name))
                .map(v -> switch (v.toLowerCase(java.util.Locale.ROOT)) {
                    case "true" -> Boolean.TRUE;
                    case "false" -> Boolean.FALSE;
                    default -> throw ApiException.invalidField(name, "must be true or false");
                });
    }

    private void decide(ServerRequest req, ServerResponse res) {
        long id = Params.pathId(req, "id");
        DecideRequest body;
        try {
            body = Json.read(req, DecideRequest.class);
        } catch (ApiException e) {
            for (var err : e.errors()) {
                if (err.field().equals("releaseTime") || err.field().equals("releaseTimeSource")) {
                    throw new ApiException(400, "Invalid input", err.field() + " is not accepted: a stored decision"
                            + " uses only the release time the registry stage recorded (POST /api/v1/evaluate"
                            + " takes one for a what-if)", List.of(new dev.safeupdater.execution.FieldError(
                            err.field(), "is not accepted by decide")));
                }
            }
            throw e;
        }
        Decision d = decisions.decide(id, body, Actors.of(req));
        res.header(HeaderNames.LOCATION, "/api/v1/decisions/" + d.id());
        Json.send(res, 201, d);
    }
}
