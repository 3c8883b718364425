package dev.safeupdater.version;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The available tags of one image, parsed once (duplicates dropped, first occurrence kept, order kept), so that
 * selecting candidates for many current tags of the same image costs no parsing.
 */
public final class TagSet {
    private final TagVersion[] tags;

    private TagSet(TagVersion[] tags) {
        this.tags = tags;
    }

    public static TagSet of(Collection<String> tags) {
        List<TagVersion> parsed = new ArrayList<>(tags.size());
        Set<String> seen = new HashSet<>(tags.size() * 2);
        for (String t : tags) {
            if (t != null && seen.add(t)) {
                parsed.add(TagVersion.parse(t));
            }
        }
        return new TagSet(parsed.toArray(new TagVersion[0]));
    }

    public int size() {
        return tags.length;
    }

    public TagVersion get(int i) {
        return tags[i];
    }

    /** The parsed tags, newest version first, unversioned tags last. */
    public List<TagVersion> newestFirst() {
        List<TagVersion> out = new ArrayList<>(List.of(tags));
        out.sort(VersionOrder.NEWEST_FIRST);
        return out;
    }
}
