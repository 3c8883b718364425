package dev.safeupdater.inventory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.safeupdater.model.ImageReference;
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ObservedAsset;

/**
 * Assets no source can see, from a YAML file read at every scan:
 * <pre>
 * assets:
 *   - kind: Appliance               # required
 *     name: edge-proxy              # required
 *     cluster: dc1                  # optional, like namespace and container
 *     image: registry.example.com/edge/proxy:2.4.1   # a full reference, or the repository with tag/digest below
 *     tag: 2.4.1
 *     digest: sha256:...
 *     labels: {team: net}
 *     annotations: {safe-updater.io/policy: network}
 * </pre>
 * A file with any invalid entry is refused whole (the inventory of this source stays as it was) with every problem
 * listed by entry number.
 */
public final class StaticSource implements InventorySource {
    static final String SOURCE = "static";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private final String name;
    private final Path file;

    StaticSource(String name, Path file) {
        this.name = name;
        this.file = file;
    }

    /** The file's shape. */
    record File(@JsonProperty("assets") List<Entry> assets) {
    }

    /** One entry of the file. */
    record Entry(String cluster, String namespace, String kind, String name, String container, String image,
                 String tag, String digest, Map<String, String> labels, Map<String, String> annotations) {
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return SOURCE;
    }

    @Override
    public SourceScan scan(ScanProgress progress) throws SourceException {
        if (!Files.isRegularFile(file)) {
            throw new SourceException(name + ": static asset file " + file + " does not exist");
        }
        File parsed;
        try {
            parsed = YAML.readValue(file.toFile(), File.class);
        } catch (JsonMappingException e) {
            throw new SourceException(name + ": " + file + ": " + e.getOriginalMessage() + location(e));
        } catch (IOException e) {
            throw new SourceException(name + ": cannot read " + file + ": " + e.getMessage(), e);
        }
        List<Entry> entries = parsed == null || parsed.assets() == null ? List.of() : parsed.assets();
        List<String> problems = new ArrayList<>();
        List<ObservedAsset> assets = new ArrayList<>();
        Set<AssetKey> keys = new HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            String at = "assets[" + i + "]";
            if (e == null) {
                problems.add(at + ": empty entry");
                continue;
            }
            int before = problems.size();
            if (blank(e.kind())) {
                problems.add(at + ".kind: is required");
            }
            if (blank(e.name())) {
                problems.add(at + ".name: is required");
            }
            ImageReference ref = null;
            if (blank(e.image())) {
                problems.add(at + ".image: is required");
            } else {
                try {
                    ref = reference(e);
                } catch (IllegalArgumentException ex) {
                    problems.add(at + ".image: " + ex.getMessage());
                }
            }
            if (problems.size() > before) {
                continue;
            }
            AssetKey key = new AssetKey(SOURCE, e.cluster(), e.namespace(), e.kind(), e.name(), e.container());
            if (!keys.add(key)) {
                problems.add(at + ": the same slot as an earlier entry (" + key.display() + ")");
                continue;
            }
            Map<String, Object> details = new LinkedHashMap<>();
            Path fileName = file.getFileName(); // a regular file (checked above) has one
            details.put("file", fileName == null ? file.toString() : fileName.toString());
            assets.add(new ObservedAsset(key, ImageReference.withoutTagAndDigest(e.image()), ref.tag(), ref.digest(),
                    e.labels(), e.annotations(), details));
            progress.listed("asset", assets.size(), entries.size());
        }
        if (!problems.isEmpty()) {
            throw new SourceException(name + ": " + file + " has " + problems.size() + " "
                    + (problems.size() == 1 ? "problem" : "problems") + ": " + String.join("; ", problems));
        }
        return new SourceScan(assets, List.of(), List.of(), 0, List.of());
    }

    /** The reference of an entry: {@code image} may carry the tag/digest itself, or give them in their own fields. */
    private static ImageReference reference(Entry e) {
        ImageReference ref = ImageReference.parse(e.image());
        boolean explicitTag = e.image().lastIndexOf(':') > e.image().lastIndexOf('/');
        boolean explicitDigest = e.image().contains("@");
        if ((e.tag() != null && explicitTag) || (e.digest() != null && explicitDigest)) {
            throw new IllegalArgumentException("give the tag/digest either in image or in its own field, not both");
        }
        String tag = e.tag() != null ? e.tag() : (explicitTag || explicitDigest ? ref.tag() : null);
        String digest = e.digest() != null ? e.digest() : ref.digest();
        if (tag == null && digest == null) {
            tag = "latest";
        }
        // re-validate the separate fields through the same grammar
        return ImageReference.parse(ImageReference.withoutTagAndDigest(e.image()) + (tag == null ? "" : ":" + tag)
                + (digest == null ? "" : "@" + digest));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String location(JsonMappingException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
    }
}
