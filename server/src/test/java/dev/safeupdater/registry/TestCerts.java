package dev.safeupdater.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Test keys and certificates made with the JDK's own keytool: a CA and a server certificate it signed (for TLS on
 * 127.0.0.1), and a self-signed token-signing key for the registry's bearer-token mode.
 */
final class TestCerts {
    private static final String PASS = "changeit";

    /** A key with its certificate, written as PEM files. */
    record KeyPairFiles(PrivateKey key, X509Certificate certificate, Path keyPem, Path certPem) {
    }

    private TestCerts() {
    }

    /** A self-signed RSA key and certificate named {@code cn}. */
    static KeyPairFiles selfSigned(Path dir, String alias, String cn) {
        Path store = dir.resolve(alias + ".p12");
        keytool("-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048", "-sigalg", "SHA256withRSA",
                "-dname", "CN=" + cn, "-validity", "2", "-ext", "bc:c", "-storetype", "PKCS12", "-keystore",
                store.toString(), "-storepass", PASS, "-keypass", PASS);
        return export(dir, store, alias);
    }

    /** A server certificate for localhost / 127.0.0.1 signed by {@code ca}. */
    static KeyPairFiles serverSignedBy(Path dir, Path caStore, String caAlias) {
        Path store = dir.resolve("server.p12");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-sigalg", "SHA256withRSA",
                "-dname", "CN=localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", PASS, "-keypass", PASS);
        Path csr = dir.resolve("server.csr");
        keytool("-certreq", "-alias", "server", "-keystore", store.toString(), "-storepass", PASS, "-file",
                csr.toString());
        Path crt = dir.resolve("server.crt");
        keytool("-gencert", "-alias", caAlias, "-keystore", caStore.toString(), "-storepass", PASS, "-infile",
                csr.toString(), "-outfile", crt.toString(), "-rfc", "-validity", "2",
                "-ext", "san=dns:localhost,ip:127.0.0.1", "-ext", "eku=serverAuth");
        KeyPairFiles exported = export(dir, store, "server");
        try {
            Files.copy(crt, exported.certPem(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return exported;
    }

    static Path storeOf(Path dir, String alias) {
        return dir.resolve(alias + ".p12");
    }

    private static KeyPairFiles export(Path dir, Path store, String alias) {
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASS.toCharArray());
            PrivateKey key = (PrivateKey) ks.getKey(alias, PASS.toCharArray());
            X509Certificate cert = (X509Certificate) ks.getCertificate(alias);
            Path keyPem = dir.resolve(alias + ".key");
            Path certPem = dir.resolve(alias + ".pem");
            Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));
            Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
            return new KeyPairFiles(key, cert, keyPem, certPem);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read test key store " + store, e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** The libtrust key id of a public key: SHA-256 of the DER SubjectPublicKeyInfo, 30 bytes, base32, 12 groups. */
    static String libtrustKeyId(java.security.PublicKey key) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            String b32 = base32(java.util.Arrays.copyOf(hash, 30));
            List<String> groups = new ArrayList<>();
            for (int i = 0; i < b32.length(); i += 4) {
                groups.add(b32.substring(i, i + 4));
            }
            return String.join(":", groups);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String base32(byte[] data) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        StringBuilder sb = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                sb.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            sb.append(alphabet.charAt((buffer << (5 - bits)) & 31));
        }
        return sb.toString();
    }

    private static void keytool(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("keytool " + args[0] + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
