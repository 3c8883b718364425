package dev.safeupdater.execution;

import java.util.Objects;

import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetUpsert;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.Page;
import dev.safeupdater.model.AssetDetail;
import dev.safeupdater.model.AssetFilter;
import dev.safeupdater.store.AssetStore;

/** Static assets registered by hand, and reading what the store tracks. */
public final class AssetService {
    private static final String DEFAULT_SOURCE = "static";

    private final AssetStore store;

    public AssetService(AssetStore store) {
        this.store = store;
    }

    /** Registers the slot, or updates what it runs when it exists. Validates everything before writing. */
    public AssetUpsert upsert(AssetRequest r, String actor) {
        new InputCheck()
                .required("kind", r.kind()).name("kind", r.kind())
                .required("name", r.name()).name("name", r.name())
                .name("source", r.source()).name("cluster", r.cluster()).name("namespace", r.namespace())
                .name("container", r.container())
                .required("image", r.image()).image("image", r.image())
                .required("currentTag", r.currentTag()).tag("currentTag", r.currentTag())
                .digest("currentDigest", r.currentDigest())
                .labels("labels", r.labels()).labels("annotations", r.annotations())
                .throwIfAny();
        AssetKey key = new AssetKey(Objects.requireNonNullElse(r.source(), DEFAULT_SOURCE), r.cluster(),
                r.namespace(), r.kind(), r.name(), r.container());
        return store.upsert(key, r.image(), r.currentTag(), r.currentDigest(),
                Objects.requireNonNullElse(r.labels(), java.util.Map.of()),
                Objects.requireNonNullElse(r.annotations(), java.util.Map.of()), actor);
    }

    public Asset find(long id) {
        return store.find(id).orElseThrow(() -> new NotFoundException("asset", id));
    }

    public Page<Asset> list(String cursor, int limit) {
        return store.list(cursor, limit);
    }

    /** Assets passing {@code filter}, in id order; a cursor not from a previous page is invalid input. */
    public Page<Asset> list(AssetFilter filter, String cursor, int limit) {
        return store.list(filter, cursor, limit);
    }

    /** The asset with its details and the versions it was observed running (newest first, at most 100). */
    public AssetDetail detail(long id) {
        return store.detail(id, 100).orElseThrow(() -> new NotFoundException("asset", id));
    }
}
