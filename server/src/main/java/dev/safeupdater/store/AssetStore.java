package dev.safeupdater.store;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import dev.safeupdater.model.Asset;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.Page;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** Assets: register or update one (with its audit event, in one transaction), find, list in pages. */
public final class AssetStore {
    private static final String CURSOR_KIND = "asset";
    private static final String UNIQUE_VIOLATION = "23505";

    private final Jdbi jdbi;
    private final Clock clock;

    public AssetStore(Database db, Clock clock) {
        this.jdbi = db.jdbi();
        this.clock = clock;
    }

    /** The result of {@link #upsert}: the stored asset and whether it was new. */
    public record Upserted(Asset asset, boolean created) {
    }

    /** Registers the asset slot {@code key} or updates what it runs; audited as {@code asset.upsert} by {@code actor}. */
    public Upserted upsert(AssetKey key, String image, String tag, String digest, Map<String, String> labels,
                           Map<String, String> annotations, String actor) {
        try {
            return upsertOnce(key, image, tag, digest, labels, annotations, actor);
        } catch (UnableToExecuteStatementException e) {
            if (isUniqueViolation(e)) {
                // another writer inserted the same slot between our lookup and insert: it exists now, update it
                return upsertOnce(key, image, tag, digest, labels, annotations, actor);
            }
            throw e;
        }
    }

    private Upserted upsertOnce(AssetKey key, String image, String tag, String digest, Map<String, String> labels,
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
            return new Upserted(assets.findById(id).orElseThrow(), existing.isEmpty());
        });
    }

    public Optional<Asset> find(long id) {
        return jdbi.withHandle(h -> new AssetDao(h).findById(id));
    }

    /** Assets in id order, {@code limit} at a time; {@code cursor} is null for the first page. */
    public Page<Asset> list(String cursor, int limit) {
        long after = cursor == null ? 0 : Cursors.decode(CURSOR_KIND, cursor);
        List<Asset> rows = jdbi.withHandle(h -> new AssetDao(h).listAfter(after, limit + 1));
        if (rows.size() <= limit) {
            return new Page<>(rows, null);
        }
        List<Asset> page = rows.subList(0, limit);
        return new Page<>(page, Cursors.encode(CURSOR_KIND, page.getLast().id()));
    }

    /** Assets passing {@code filter} in id order, {@code limit} at a time; {@code cursor} is null for the first page. */
    public Page<Asset> list(AssetFilter filter, String cursor, int limit) {
        long after = cursor == null ? 0 : Cursors.decode(CURSOR_KIND, cursor);
        List<Asset> rows = jdbi.withHandle(h -> new AssetDao(h).listAfter(filter, after, limit + 1));
        if (rows.size() <= limit) {
            return new Page<>(rows, null);
        }
        List<Asset> page = rows.subList(0, limit);
        return new Page<>(page, Cursors.encode(CURSOR_KIND, page.getLast().id()));
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

    static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
