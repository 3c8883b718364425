package dev.safeupdater.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class InputCheckTest {
    /** The regular expression the hand-written check replaced: the two must accept the same strings. */
    private static final Pattern IMAGE = Pattern.compile(
            "(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");

    @ParameterizedTest
    @ValueSource(strings = {"nginx", "library/nginx", "ghcr.io/org/app", "registry.example.com:5000/team/app",
            "localhost:5000/app", "localhost/app", "Registry.Example.COM/app", "my-registry.io:443/a/b/c/d",
            "a", "0", "a.b", "a_b", "a__b", "a-b", "a---b", "a.b_c__d-e--f", "quay.io/org/app-name.v2",
            "nginx/app", "127.0.0.1:5000/x", "-/app", "./app", "..:1/app", "ghcr.io",
            "host_name/app"})
    void acceptsImageReferences(String image) {
        assertTrue(InputCheck.isImageReference(image), image);
        assertTrue(IMAGE.matcher(image).matches(), image);
        new InputCheck().image("image", image).throwIfAny();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Nginx", "library/Nginx", "ghcr.io/Org/app", "nginx:1.25", "nginx@sha256:abc",
            "ghcr.io/org/app:latest", "/nginx", "nginx/", "a//b", "ghcr.io//app", ":5000/app", "host:/app",
            "host:50a0/app", "host:5000:1/app", "Host_Name/app", "a..b", "a___b", "a._b", "a-_b", ".a", "a.",
            "_a", "a_", "-a", "a-", "a b", "ä", "a/b c", "host:5000", "ghcr.io:443", "HOST/App", "a/./b"})
    void refusesWhatIsNotAnImageReference(String image) {
        assertFalse(InputCheck.isImageReference(image), image);
        assertFalse(IMAGE.matcher(image).matches(), image);
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new InputCheck().image("image", image).throwIfAny());
        assertEquals("image", e.errors().get(0).field());
    }

    @Test
    void blankOrMissingImagesAreLeftToRequired() {
        new InputCheck().image("image", null).image("image", "").image("image", "  ").throwIfAny();
    }

    @Test
    void lengthIsBoundedBeforeTheShapeIsChecked() {
        String ok = "a".repeat(512);
        new InputCheck().image("image", ok).throwIfAny();
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new InputCheck().image("image", ok + "a").throwIfAny());
        assertEquals(List.of(new FieldError("image", "is longer than 512 characters")), e.errors());
        String longPath = "r.io:5000/" + "ab/".repeat(160) + "c";
        assertTrue(longPath.length() <= 512);
        new InputCheck().image("image", longPath).throwIfAny();
    }

    @Test
    void agreesWithTheRegularExpressionOnRandomStrings() {
        // an alphabet of every character class the grammar distinguishes, short strings to hit the edges often
        char[] alphabet = "ab0Z.-_/:5 @".toCharArray();
        Random random = new Random(42);
        int accepted = 0;
        for (int n = 0; n < 200_000; n++) {
            int len = 1 + random.nextInt(12);
            StringBuilder sb = new StringBuilder(len);
            for (int i = 0; i < len; i++) {
                sb.append(alphabet[random.nextInt(alphabet.length)]);
            }
            String s = sb.toString();
            boolean expected = IMAGE.matcher(s).matches();
            assertEquals(expected, InputCheck.isImageReference(s), s);
            if (expected) {
                accepted++;
            }
        }
        assertTrue(accepted > 1000, "the random strings hit too few valid references: " + accepted);
    }

    @Test
    void digestsAndTagsAreStillChecked() {
        new InputCheck().digest("d", "sha256:" + "a".repeat(64)).digest("d", "sha512:" + "F".repeat(128))
                .tag("t", "1.25.3").throwIfAny();
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> new InputCheck()
                .digest("d", "sha256:abc").digest("e", "x".repeat(256)).tag("t", "-bad").throwIfAny());
        assertEquals(List.of("d", "e", "t"), e.errors().stream().map(FieldError::field).toList());
    }
}
