package dev.safeupdater.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.safeupdater.store.Database;
import dev.safeupdater.store.ImageTagStore;

/**
 * Records registry listings the way the registry stage does, for tests that decide: {@code decide} only accepts
 * candidates the recorded listing of the asset's image holds. Adds to what is recorded (keeps other tags).
 */
public final class Listings {
    private Listings() {
    }

    /** The digest {@link #record} gives {@code image:tag}: stable, distinct per tag. */
    public static String digest(String image, String tag) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((image + ":" + tag).getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Adds {@code tags} to the recorded listing of {@code image} (canonical name), each with {@link #digest}. */
    public static void record(Database db, String image, String... tags) {
        ImageTagStore store = new ImageTagStore(db);
        Set<String> all = new LinkedHashSet<>();
        List<ImageTagStore.TagDetail> details = new ArrayList<>();
        for (ImageTagStore.TagRow row : store.tags(image)) {
            all.add(row.tag());
            details.add(new ImageTagStore.TagDetail(row.tag(), row.digest(), row.releaseTime(), row.releaseTimeSource()));
        }
        for (String t : tags) {
            if (all.add(t)) {
                details.add(new ImageTagStore.TagDetail(t, digest(image, t), null, null));
            }
        }
        store.recordListing(image, List.copyOf(all), details, Instant.now());
    }
}
