import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import dev.safeupdater.version.CandidateSelector;
import dev.safeupdater.version.Selection;
import dev.safeupdater.version.TagSet;
import dev.safeupdater.version.TagVersion;

/**
 * Candidate selection at scale on one thread: IMAGES images with TAGS tags each, shaped like node's and python's
 * tag lists (versions at 1-3 parts, variants, prereleases, names), CURRENTS current tags per image.
 * Reports parsing, selection over pre-parsed tag sets (what a scan does: one parse per image, one selection per
 * workload), selection with the ignored-reason sentences built, and parse + select from raw strings.
 */
public class CandidatesBench {
    public static void main(String[] args) {
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int tagsPer = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        int currentsPer = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Random rnd = new Random(42);
        List<List<String>> raw = new ArrayList<>();
        List<List<String>> currents = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            List<String> tags = i % 2 == 0 ? nodeLike(rnd, tagsPer) : pythonLike(rnd, tagsPer);
            raw.add(tags);
            List<String> cur = new ArrayList<>();
            while (cur.size() < currentsPer) {
                String t = tags.get(rnd.nextInt(tags.size()));
                if (TagVersion.parse(t).isVersion()) {
                    cur.add(t);
                }
            }
            currents.add(cur);
        }
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        System.out.printf("images: %d, tags per image: %d, current tags per image: %d (JDK %s, %d cpus visible)%n",
                images, tagsPer, currentsPer, Runtime.version(), Runtime.getRuntime().availableProcessors());

        // warm-up
        long sink = 0;
        for (int round = 0; round < 3; round++) {
            sink += run(raw, currents, true);
        }

        // 1. parsing
        long a0 = mx.getThreadAllocatedBytes(tid);
        long t0 = System.nanoTime();
        List<TagSet> sets = new ArrayList<>(images);
        for (List<String> tags : raw) {
            sets.add(TagSet.of(tags));
        }
        long parseNs = System.nanoTime() - t0;
        long parseAlloc = mx.getThreadAllocatedBytes(tid) - a0;
        long totalTags = (long) images * tagsPer;
        System.out.printf("parse:                 %,d tags in %.1f ms = %,.0f tags/s, %.0f bytes/tag%n", totalTags,
                parseNs / 1e6, totalTags / (parseNs / 1e9), (double) parseAlloc / totalTags);

        // 2. selection over parsed sets (codes only), several rounds
        int rounds = 5;
        long selections = 0;
        a0 = mx.getThreadAllocatedBytes(tid);
        t0 = System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < images; i++) {
                TagSet set = sets.get(i);
                for (String c : currents.get(i)) {
                    Selection s = CandidateSelector.select(TagVersion.parse(c), set, false);
                    sink += s.ignoredCount();
                    selections++;
                }
            }
        }
        long selNs = System.nanoTime() - t0;
        long selAlloc = mx.getThreadAllocatedBytes(tid) - a0;
        double perSec = selections / (selNs / 1e9);
        System.out.printf("select (parsed sets):  %,d selections in %.1f ms = %,.0f selections/s, %.2f us each,"
                + " %,.0f bytes/selection%n", selections, selNs / 1e6, perSec, selNs / 1e3 / selections,
                (double) selAlloc / selections);

        // 3. selection with every ignored tag's sentence built (what the API and CLI render)
        long sel2 = 0;
        a0 = mx.getThreadAllocatedBytes(tid);
        t0 = System.nanoTime();
        for (int i = 0; i < images; i++) {
            TagSet set = sets.get(i);
            for (String c : currents.get(i)) {
                sink += CandidateSelector.select(TagVersion.parse(c), set, false).ignored().size();
                sel2++;
            }
        }
        long sel2Ns = System.nanoTime() - t0;
        long sel2Alloc = mx.getThreadAllocatedBytes(tid) - a0;
        System.out.printf("select + ignored list: %,d selections in %.1f ms = %,.0f selections/s, %,.0f bytes/selection%n",
                sel2, sel2Ns / 1e6, sel2 / (sel2Ns / 1e9), (double) sel2Alloc / sel2);

        // 4. raw strings: parse the image's tags, then one selection (an image used by one workload)
        a0 = mx.getThreadAllocatedBytes(tid);
        t0 = System.nanoTime();
        for (int i = 0; i < images; i++) {
            sink += CandidateSelector.select(currents.get(i).getFirst(), raw.get(i), false).ignoredCount();
        }
        long e2eNs = System.nanoTime() - t0;
        long e2eAlloc = mx.getThreadAllocatedBytes(tid) - a0;
        System.out.printf("parse + select (raw):  %,d images in %.1f ms = %,.0f images/s, %,.0f bytes/image%n", images,
                e2eNs / 1e6, images / (e2eNs / 1e9), (double) e2eAlloc / images);
        System.out.println("(checksum " + sink + ")");
        System.out.printf("candidates: %.0f selections/s%n", perSec);
    }

    private static long run(List<List<String>> raw, List<List<String>> currents, boolean ignored) {
        long sink = 0;
        for (int i = 0; i < raw.size(); i++) {
            TagSet set = TagSet.of(raw.get(i));
            for (String c : currents.get(i)) {
                Selection s = CandidateSelector.select(TagVersion.parse(c), set, false);
                sink += ignored ? s.ignored().size() : s.ignoredCount();
            }
        }
        return sink;
    }

    private static final String[] NODE_VARIANTS = {"", "-alpine", "-alpine3.18", "-alpine3.19", "-bookworm",
            "-bookworm-slim", "-bullseye", "-bullseye-slim", "-slim", "-buster"};
    private static final String[] NODE_NAMES = {"latest", "lts", "current", "lts-alpine", "current-alpine", "iron",
            "hydrogen-alpine", "slim", "alpine", "bookworm"};

    static List<String> nodeLike(Random rnd, int n) {
        Set<String> tags = new LinkedHashSet<>();
        for (String name : NODE_NAMES) {
            tags.add(name);
        }
        while (tags.size() < n) {
            int major = 14 + rnd.nextInt(9);
            int minor = rnd.nextInt(21);
            int patch = rnd.nextInt(16);
            String variant = NODE_VARIANTS[rnd.nextInt(NODE_VARIANTS.length)];
            String tag = switch (rnd.nextInt(10)) {
                case 0 -> major + variant;
                case 1, 2 -> major + "." + minor + variant;
                case 3 -> major + "." + minor + "." + patch + "-rc." + (1 + rnd.nextInt(3)) + variant;
                default -> major + "." + minor + "." + patch + variant;
            };
            tags.add(tag);
        }
        return new ArrayList<>(tags);
    }

    private static final String[] PY_VARIANTS = {"", "-slim", "-slim-bookworm", "-slim-bullseye", "-alpine",
            "-alpine3.19", "-alpine3.20", "-bookworm", "-windowsservercore-ltsc2022", "-nanoserver"};
    private static final String[] PY_PRE = {"a1", "a2", "a3", "b1", "b2", "b3", "rc1", "rc2"};

    static List<String> pythonLike(Random rnd, int n) {
        Set<String> tags = new LinkedHashSet<>();
        for (String name : new String[] {"latest", "slim", "alpine", "bookworm", "windowsservercore"}) {
            tags.add(name);
        }
        while (tags.size() < n) {
            int minor = 7 + rnd.nextInt(8);
            int patch = rnd.nextInt(20);
            String variant = PY_VARIANTS[rnd.nextInt(PY_VARIANTS.length)];
            String tag = switch (rnd.nextInt(10)) {
                case 0 -> "3" + variant;
                case 1, 2 -> "3." + minor + variant;
                case 3 -> "3." + minor + ".0" + PY_PRE[rnd.nextInt(PY_PRE.length)] + variant;
                default -> "3." + minor + "." + patch + variant;
            };
            tags.add(tag);
        }
        return new ArrayList<>(tags);
    }
}
