package dev.safeupdater.api;

import dev.safeupdater.execution.PinRequest;
import dev.safeupdater.execution.PinService;
import dev.safeupdater.model.Pin;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /api/v1/pins}: versions never proposed again for an asset. {@code GET} lists the pins in force (optionally
 * {@code ?assetId=}), {@code POST} adds one ({@code assetId}, {@code tag}, optional {@code digest}, {@code reason},
 * optional {@code expiresAt}), {@code DELETE /{id}} removes one. Rollbacks of unhealthy versions add pins themselves.
 */
final class PinsResource implements HttpService {
    private final PinService pins;

    PinsResource(PinService pins) {
        this.pins = pins;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::add)
                .delete("/{id}", this::remove);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, java.util.Map.of("items", service().list(Params.longParam(req, "assetId"))));
    }

    private void add(ServerRequest req, ServerResponse res) {
        PinRequest body = Json.read(req, PinRequest.class);
        Pin pin = service().add(body, Actors.of(req));
        res.header(HeaderNames.LOCATION, "/api/v1/pins/" + pin.id());
        Json.send(res, 201, pin);
    }

    private void remove(ServerRequest req, ServerResponse res) {
        Json.send(res, 200, service().remove(Params.pathId(req, "id"), Actors.of(req)));
    }

    private PinService service() {
        if (pins == null) {
            throw new ApiException(503, "Pins unavailable", "this server runs without a database");
        }
        return pins;
    }
}
