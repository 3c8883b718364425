package dev.safeupdater.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * ImageReference checks Docker's reference grammar with hand-written scanners; these are the grammar's regular
 * expressions (what ImageReference used until 2026-11-30), and every scanner must agree with its expression on every
 * string of a large generated corpus and on the edge cases below.
 */
class ImageReferenceGrammarTest {
    private static final Pattern HOST = Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?");
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}");
    private static final String HEX32 = "0123456789abcdef0123456789ABCDEF";

    @Test
    void hostAgreesWithTheGrammar() {
        check("host", HOST, ImageReference::isHost, "aZ0.-:9x",
                List.of("localhost", "localhost:5000", "a", "a-b.c", "-a", "a-", "a..b", ".a", "a.", "a:", "a:123456",
                        "a:12345", "a:1:2", ":80", "127.0.0.1:5000", "ghcr.io", "my_host.io", "é.io", "A.B-C.d:0"));
    }

    @Test
    void componentAgreesWithTheGrammar() {
        check("component", COMPONENT, ImageReference::isComponent, "az09._-A",
                List.of("nginx", "a__b", "a___b", "a_b", "a.b", "a..b", "a--b", "a-_b", "a_-b", "_a", "a_", "-a",
                        "a-", ".a", "a.", "", "Nginx", "img-12", "a__b__c", "a.b-c_d"));
    }

    @Test
    void tagAgreesWithTheGrammar() {
        check("tag", TAG, ImageReference::isTag, "aZ0_.-:/",
                List.of("1.25", "latest", "_x", ".x", "-x", "v1.0.0-alpine", "", "a".repeat(128), "a".repeat(129),
                        "1.0+build", "ä"));
    }

    @Test
    void digestAgreesWithTheGrammar() {
        check("digest", DIGEST, ImageReference::isDigest, "a0f.+_-:G",
                List.of("sha256:" + HEX32 + HEX32, "sha256:" + HEX32, "sha256:" + HEX32.substring(1),
                        "sha256+b64:" + HEX32, "sha256..x:" + HEX32, ":" + HEX32, "SHA256:" + HEX32,
                        "sha256:" + HEX32 + ":", "sha256:" + HEX32 + "g", "-sha:" + HEX32, "sha-:" + HEX32,
                        "a.b_c+d-e:" + HEX32));
    }

    @Test
    void parseStillSaysWhatIsWrong() {
        assertEquals(new ImageReference("docker.io", "library/nginx", "1.25", null), ImageReference.parse("nginx:1.25"));
        assertEquals(new ImageReference("localhost:5000", "demo/web", null, "sha256:" + HEX32),
                ImageReference.parse("localhost:5000/demo/web@sha256:" + HEX32));
        assertEquals("\"-x\" is not a valid tag",
                assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("nginx:-x")).getMessage());
        assertEquals("\"my_host.io:5000\" is not a registry host[:port]",
                assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("my_host.io:5000/a"))
                        .getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("ghcr.io/Acme/app"))
                .getMessage().startsWith("\"Acme/app\" is not a repository path"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("nginx@sha256:abc"))
                .getMessage().contains("is not a digest"));
    }

    /** The scanner and the expression agree on the edge cases and on 200,000 random strings over {@code alphabet}. */
    private static void check(String what, Pattern grammar, Predicate<String> scanner, String alphabet,
                              List<String> edgeCases) {
        List<String> corpus = new ArrayList<>(edgeCases);
        Random random = new Random(20261130);
        for (int i = 0; i < 200_000; i++) {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(10);
            for (int k = 0; k < length; k++) {
                s.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            if (what.equals("digest") && random.nextBoolean()) {
                s.append(':').append(HEX32, 0, 30 + random.nextInt(3)); // around the 32-digit minimum
            }
            corpus.add(s.toString());
        }
        int accepted = 0;
        for (String s : corpus) {
            boolean expected = grammar.matcher(s).matches();
            assertEquals(expected, scanner.test(s), () -> what + " \"" + s + "\"");
            accepted += expected ? 1 : 0;
        }
        // the corpus exercises both answers, not just rejections
        assertTrue(accepted > 100, what + ": only " + accepted + " accepted strings in the corpus");
    }
}
