package dev.safeupdater.store;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetDetail;
import dev.safeupdater.model.AssetFilter;
import dev.safeupdater.model.AssetUpsert;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.Page;
import org.jdbi.v3.core.Jdbi;

/** Assets: register or update one (with its audit event, in one transaction), find, list in pages. */
public final class AssetStore {
    private static final String CURSOR_KIND = "asset";

    private final Jdbi jdbi;
    private final Clock clock;

    public AssetStore(Database db, Clock clock) {
        this.jdbi = db.jdbi();
        this.clock = clock;
    }

    /** Registers the asset slot {@code key} or updates what it runs; audited as {@code asset.upsert} by {@code actor}. */
    public AssetUpsert upsert(AssetKey key, String image, String tag, String digest, Map<String, String> labels,
                           Map<String, String> annotations, String actor) {
        return Conflicts.retryOnDuplicateKey(() -> upsertOnce(key, image, tag, digest, labels, annotations, actor));
    }

    private AssetUpsert upsertOnce(AssetKey key, String image, String tag, String digest, Map<String, String> labels,
                                Map<String, String> annotations, String actor) {
        return jdbi.inTransaction(h -> {
            Instant now = clock.instant();
            AssetDao assets = new AssetDao(h);
            Optional<Asset> existing = assets.findByKeyForUpdate(key);
            long id;
            boolean newVersion;
            if (existing.isPresent()) {
                id = existing.get().id();
                assets.update(id, image, tag, digest, labels, annotations, now);
                newVersion = !Objects.equals(existing.get().currentTag(), tag)
                        || !Objects.equals(existing.get().currentDigest(), digest);
            } else {
                id = assets.insert(key, image, tag, digest, labels, annotations, now);
                newVersion = true;
            }
            if (newVersion) {
                new AssetVersionDao(h).insert(List.of(new AssetVersionDao.NewVersion(id, tag, digest)), now, null,
                        actor);
            }
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("key", key);
            detail.put("image", image);
            detail.put("tag", tag);
            detail.put("digest", digest);
            detail.put("created", existing.isEmpty());
            new AuditDao(h).append(now, actor, "asset.upsert", "asset", Long.toString(id), detail);
            return new AssetUpsert(assets.findById(id).orElseThrow(), existing.isEmpty());
        });
    }

    public Optional<Asset> find(long id) {
        return jdbi.withHandle(h -> new AssetDao(h).findById(id));
    }

    /** Assets in id order, {@code limit} at a time; {@code cursor} is null for the first page. */
    public Page<Asset> list(String cursor, int limit) {
        return list(AssetFilter.none(), cursor, limit);
    }

    /** Assets passing {@code filter} in id order, {@code limit} at a time; {@code cursor} is null for the first page. */
    public Page<Asset> list(AssetFilter filter, String cursor, int limit) {
        return Keyset.oldestFirst(CURSOR_KIND, cursor, limit,
                (after, n) -> jdbi.withHandle(h -> new AssetDao(h).listAfter(filter, after, n)), Asset::id);
    }

    /** The asset with its owner, details and up to {@code versions} observed versions (newest first). */
    public Optional<AssetDetail> detail(long id, int versions) {
        return jdbi.withHandle(h -> {
            AssetDao assets = new AssetDao(h);
            return assets.findById(id).map(a -> {
                var extra = assets.findOriginAndDetails(id).orElseThrow();
                return new AssetDetail(a, extra.getKey().isEmpty() ? null : extra.getKey(), extra.getValue(),
                        new AssetVersionDao(h).list(id, versions));
            });
        });
    }
}
