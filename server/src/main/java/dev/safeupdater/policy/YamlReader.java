package dev.safeupdater.policy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Reads one YAML document into {@link YamlNode}s with positions. Duplicate keys and several documents in one file
 * are refused; syntax errors carry the parser's position.
 */
final class YamlReader {
    private static final YAMLFactory FACTORY = new YAMLFactory();
    /** Files larger than this are refused unread: policy files are small. */
    static final int MAX_BYTES = 1024 * 1024;

    private YamlReader() {
    }

    /** A problem reading the file; line and column are 1-based (0 when unknown). */
    static final class YamlException extends Exception {
        final int line;
        final int column;

        YamlException(String message, int line, int column) {
            super(message);
            this.line = line;
            this.column = column;
        }
    }

    /** The document's root, or null for an empty file. */
    static YamlNode read(byte[] content) throws YamlException {
        if (content.length > MAX_BYTES) {
            throw new YamlException("file is larger than " + MAX_BYTES + " bytes", 0, 0);
        }
        try (JsonParser p = FACTORY.createParser(content)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return null;
            }
            YamlNode root = value(p, t);
            JsonToken next = p.nextToken();
            if (next != null) {
                JsonLocation at = p.currentTokenLocation();
                throw new YamlException("only one YAML document per file (found another one)", at.getLineNr(),
                        at.getColumnNr());
            }
            return root;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String msg = e.getOriginalMessage() == null ? "invalid YAML" : e.getOriginalMessage();
            throw new YamlException("invalid YAML: " + msg.strip().replaceAll("\\s*\\R\\s*", " "),
                    at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr());
        } catch (IOException e) {
            throw new YamlException("cannot read: " + e.getMessage(), 0, 0);
        }
    }

    private static YamlNode value(JsonParser p, JsonToken t) throws IOException, YamlException {
        JsonLocation at = p.currentTokenLocation();
        int line = at.getLineNr();
        int col = at.getColumnNr();
        switch (t) {
            case START_OBJECT -> {
                Map<YamlNode.Key, YamlNode> entries = new LinkedHashMap<>();
                Map<String, YamlNode.Key> seen = new LinkedHashMap<>();
                JsonToken k;
                while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
                    JsonLocation kat = p.currentTokenLocation();
                    YamlNode.Key key = new YamlNode.Key(p.currentName(), kat.getLineNr(), kat.getColumnNr());
                    YamlNode.Key previous = seen.putIfAbsent(key.name(), key);
                    if (previous != null) {
                        throw new YamlException("key \"" + key.name() + "\" appears twice in this mapping (first at line "
                                + previous.line() + ")", key.line(), key.column());
                    }
                    entries.put(key, value(p, p.nextToken()));
                }
                return new YamlNode.Mapping(entries, line, col);
            }
            case START_ARRAY -> {
                List<YamlNode> items = new ArrayList<>();
                JsonToken i;
                while ((i = p.nextToken()) != JsonToken.END_ARRAY) {
                    items.add(value(p, i));
                }
                return new YamlNode.Sequence(items, line, col);
            }
            case VALUE_NULL -> {
                return new YamlNode.Scalar(null, line, col);
            }
            case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> {
                return new YamlNode.Scalar(p.getText(), line, col);
            }
            default -> throw new YamlException("unsupported YAML value (" + t + ")", line, col);
        }
    }
}
