package dev.safeupdater.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ObservedAsset;
import dev.safeupdater.model.KindCounts;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Writes what an inventory source saw into the asset table, one transaction per source: new slots are inserted,
 * changed ones rewritten, unchanged ones get only a new last_seen (their narrow {@code asset_seen} row; the asset
 * row is not written), slots the source no longer sees are marked gone (never deleted), and every newly observed
 * running version is appended to {@code asset_version}.
 */
public final class InventoryStore {
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private final Jdbi jdbi;
    private final Clock clock;

    public InventoryStore(Database db, Clock clock) {
        this.jdbi = db.jdbi();
        this.clock = clock;
    }

    /**
     * The outcome of a sync: {@code seen} slots stored (added + changed + unchanged), {@code gone} retired,
     * {@code versionsRecorded} rows appended to the version history, {@code rejected} slots that could not be stored
     * (with why), counts per kind.
     */
    public record SyncResult(int seen, int added, int changed, int unchanged, int gone, int versionsRecorded,
                             Map<String, KindCounts> byKind, List<String> rejected) {
        public SyncResult {
            byKind = Map.copyOf(byKind);
            rejected = List.copyOf(rejected);
        }
    }

    /**
     * Makes the inventory of source {@code origin} equal to {@code observed}. Stored assets of that source that were
     * not observed are marked gone unless {@code keep} says their part of the source could not be listed this time.
     * Assets registered through the API (or by a source no longer configured) with the same slot are adopted.
     *
     * @param scanId the scan run recorded with new versions (may be null)
     */
    public SyncResult sync(String origin, List<ObservedAsset> observed, Predicate<AssetKey> keep, Long scanId) {
        Objects.requireNonNull(origin, "origin");
        Prepared prepared = prepare(observed);
        return Conflicts.retryOnDuplicateKey(() -> jdbi.inTransaction(h -> {
            List<Map.Entry<String, String>> places = prepared.rows.values().stream()
                    .map(w -> Map.entry(w.asset().key().source(), w.asset().key().cluster()))
                    .distinct().toList();
            List<AssetDao.Slim> existing = new AssetDao(h).scope(origin, places);
            return apply(h, origin, prepared, existing, keep, scanId);
        }));
    }

    /**
     * Replaces the slots of one workload (a Kubernetes watch event): {@code slots} empty means the workload was
     * deleted. Other workloads are not touched.
     */
    public SyncResult syncWorkload(String origin, String source, String cluster, String namespace, String kind,
                                   String name, List<ObservedAsset> slots) {
        Prepared prepared = prepare(slots);
        return Conflicts.retryOnDuplicateKey(() -> jdbi.inTransaction(h -> {
            List<AssetDao.Slim> existing = new AssetDao(h).workload(source, cluster, namespace, kind, name);
            return apply(h, origin, prepared, existing, k -> false, null);
        }));
    }

    /** Current (not gone) assets by source and kind. */
    public List<TrackedCount> trackedCounts() {
        return jdbi.withHandle(h -> new AssetDao(h).trackedCounts());
    }

    private record Prepared(Map<AssetKey, AssetDao.Write> rows, List<String> rejected) {
    }

    /** Validates and fingerprints outside the transaction; duplicates and over-long values are rejected. */
    private static Prepared prepare(List<ObservedAsset> observed) {
        Map<AssetKey, AssetDao.Write> rows = new LinkedHashMap<>(observed.size() * 2);
        List<String> rejected = new ArrayList<>();
        for (ObservedAsset a : observed) {
            String problem = problem(a);
            if (problem != null) {
                rejected.add(a.key().display() + ": " + problem);
            } else if (rows.putIfAbsent(a.key(), new AssetDao.Write(0, a, fingerprint(a))) != null) {
                rejected.add(a.key().display() + ": reported twice by the source; the first one is kept");
            }
        }
        return new Prepared(rows, rejected);
    }

    private SyncResult apply(Handle h, String origin, Prepared prepared, List<AssetDao.Slim> existing,
                             Predicate<AssetKey> keep, Long scanId) {
        Instant now = clock.instant();
        Map<AssetKey, AssetDao.Slim> stored = new HashMap<>(existing.size() * 2);
        existing.forEach(s -> stored.put(s.key(), s));
        List<AssetDao.Write> inserts = new ArrayList<>();
        List<AssetDao.Write> updates = new ArrayList<>();
        List<Long> touched = new ArrayList<>();
        List<Long> gone = new ArrayList<>();
        List<AssetVersionDao.NewVersion> versions = new ArrayList<>();
        Map<String, int[]> kinds = new TreeMap<>(); // seen, added, changed, gone
        for (AssetDao.Write w : prepared.rows.values()) {
            ObservedAsset a = w.asset();
            int[] k = kinds.computeIfAbsent(a.key().kind(), x -> new int[4]);
            k[0]++;
            AssetDao.Slim s = stored.remove(a.key());
            if (s == null) {
                inserts.add(w);
                k[1]++;
            } else if (w.fingerprint().equals(s.fingerprint()) && s.goneAt() == null && origin.equals(s.origin())) {
                touched.add(s.id());
            } else {
                updates.add(new AssetDao.Write(s.id(), a, w.fingerprint()));
                k[2]++;
                if (!Objects.equals(s.tag(), a.tag()) || !Objects.equals(s.digest(), a.digest())) {
                    versions.add(new AssetVersionDao.NewVersion(s.id(), a.tag(), a.digest()));
                }
            }
        }
        for (AssetDao.Slim s : stored.values()) {
            if (origin.equals(s.origin()) && s.goneAt() == null && !keep.test(s.key())) {
                gone.add(s.id());
                kinds.computeIfAbsent(s.key().kind(), x -> new int[4])[3]++;
            }
        }
        AssetDao dao = new AssetDao(h);
        List<Long> ids = dao.insertScanned(inserts, origin, now);
        for (int i = 0; i < inserts.size(); i++) {
            ObservedAsset a = inserts.get(i).asset();
            versions.add(new AssetVersionDao.NewVersion(ids.get(i), a.tag(), a.digest()));
        }
        dao.updateScanned(updates, origin, now);
        dao.touch(touched, now);
        dao.markGone(gone, now);
        new AssetVersionDao(h).insert(versions, now, scanId, origin);
        Map<String, KindCounts> byKind = new LinkedHashMap<>();
        kinds.forEach((kind, c) -> byKind.put(kind, new KindCounts(c[0], c[1], c[2], c[3])));
        return new SyncResult(prepared.rows.size(), inserts.size(), updates.size(), touched.size(), gone.size(),
                versions.size(), byKind, prepared.rejected);
    }

    private static String problem(ObservedAsset a) {
        AssetKey k = a.key();
        if (k.source().isEmpty() || k.source().length() > 32) {
            return "source must be 1-32 characters";
        }
        if (k.kind().isEmpty() || k.kind().length() > 64) {
            return "kind must be 1-64 characters";
        }
        if (k.name().isEmpty()) {
            return "name is empty";
        }
        for (String part : new String[] {k.cluster(), k.namespace(), k.name(), k.container()}) {
            if (part.length() > 253) {
                return "a name is longer than 253 characters";
            }
        }
        if (a.image().isEmpty() || a.image().length() > 512) {
            return "image must be 1-512 characters";
        }
        if (a.tag() != null && a.tag().length() > 128) {
            return "tag is longer than 128 characters";
        }
        if (a.digest() != null && a.digest().length() > 100) {
            return "digest is longer than 100 characters";
        }
        return null;
    }

    /** SHA-256 over the canonical JSON of everything a scan writes about a slot. */
    static String fingerprint(ObservedAsset a) {
        Map<String, Object> m = new TreeMap<>();
        m.put("image", a.image());
        m.put("tag", a.tag());
        m.put("digest", a.digest());
        m.put("labels", a.labels());
        m.put("annotations", a.annotations());
        m.put("details", a.details());
        try {
            byte[] json = CANONICAL.writeValueAsString(m).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("details of " + a.key().display() + " cannot be written as JSON", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }
}
