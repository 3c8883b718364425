package dev.safeupdater.api;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.safeupdater.execution.DecisionService;
import dev.safeupdater.execution.EvaluateRequest;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.policy.ScopeMatch;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /api/v1/evaluate}: a what-if decision for a candidate, explained — every rule that fired with its
 * reason and metadata, the scope that matched and why, the final outcome and the rule that decided it. Nothing is
 * stored.
 * <p>
 * Rendered by {@link Json#MAPPER} with two serializers of this route only, for the parts whose content is the same
 * for every evaluation under one policy snapshot: a fired rule's metadata and a scope's settings are rendered to
 * JSON once per rule set and policy set (they are the same objects until the next activation) and then written
 * as they are; the rest of a fired rule and of the scope is written field by field, in the order and form the
 * record serializers give. The document is the same, byte for byte (EvaluateRenderingTest).
 */
final class EvaluateResource implements HttpService {
    /** {@link Json#MAPPER} with the serializers below. */
    static final ObjectMapper MAPPER = Json.MAPPER.copy().registerModule(new SimpleModule("evaluate-rendering")
            .addSerializer(FiredRule.class, new FiredRuleSerializer())
            .addSerializer(ScopeMatch.Explanation.class, new ScopeSerializer()));

    private final DecisionService decisions;

    EvaluateResource(DecisionService decisions) {
        this.decisions = decisions;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::evaluate);
    }

    private void evaluate(ServerRequest req, ServerResponse res) {
        EvaluateRequest body = Json.read(req, EvaluateRequest.class);
        Json.send(res, 200, MAPPER, decisions.evaluate(body).explanation());
    }
}

/** Pre-rendered JSON of objects that stay the same across evaluations, keyed by a name, checked by identity. */
final class RenderedOnce {
    /** Rule and scope names are few (bounded by the rule set and policy set); a stale entry is replaced. */
    private static final int MAX_ENTRIES = 10_000;

    private record Entry(Object source, SerializedString json) {
    }

    private final Map<String, Entry> byName = new ConcurrentHashMap<>();

    /** The JSON of {@code value} as {@link Json#MAPPER} writes it, cached for {@code key} while it is the same object. */
    SerializedString json(String key, Object value) throws JsonProcessingException {
        Entry e = key == null ? null : byName.get(key);
        if (e != null && e.source() == value) {
            return e.json();
        }
        SerializedString json = new SerializedString(Json.MAPPER.writeValueAsString(value));
        if (key != null) {
            if (byName.size() >= MAX_ENTRIES) {
                byName.clear();
            }
            byName.put(key, new Entry(value, json));
        }
        return json;
    }
}

/** A fired rule: name, outcome, reason, then its metadata rendered once per rule set. */
final class FiredRuleSerializer extends StdSerializer<FiredRule> {
    private static final long serialVersionUID = 1L;
    private final transient RenderedOnce metadata = new RenderedOnce();

    FiredRuleSerializer() {
        super(FiredRule.class);
    }

    @Override
    public void serialize(FiredRule rule, JsonGenerator gen, SerializerProvider provider) throws IOException {
        gen.writeStartObject(rule);
        gen.writeStringField("name", rule.name());
        provider.defaultSerializeField("outcome", rule.outcome(), gen);
        gen.writeStringField("reason", rule.reason());
        gen.writeFieldName("metadata");
        gen.writeRawValue(metadata.json(rule.name(), rule.metadata()));
        gen.writeEndObject();
    }
}

/** The matched scope: its fields in order, its settings rendered once per policy set. */
final class ScopeSerializer extends StdSerializer<ScopeMatch.Explanation> {
    private static final long serialVersionUID = 1L;
    private final transient RenderedOnce settings = new RenderedOnce();

    ScopeSerializer() {
        super(ScopeMatch.Explanation.class);
    }

    @Override
    public void serialize(ScopeMatch.Explanation s, JsonGenerator gen, SerializerProvider provider)
            throws IOException {
        gen.writeStartObject(s);
        gen.writeStringField("name", s.name());
        gen.writeStringField("file", s.file());
        gen.writeNumberField("line", s.line());
        gen.writeNumberField("priority", s.priority());
        provider.defaultSerializeField("mode", s.mode(), gen);
        gen.writeStringField("description", s.description());
        gen.writeStringField("owner", s.owner());
        strings(gen, "because", s.because());
        strings(gen, "alsoMatched", s.alsoMatched());
        gen.writeFieldName("settings");
        gen.writeRawValue(settings.json(s.name(), s.settings()));
        gen.writeEndObject();
    }

    private static void strings(JsonGenerator gen, String field, List<String> values) throws IOException {
        gen.writeFieldName(field);
        if (values == null) {
            gen.writeNull();
            return;
        }
        gen.writeStartArray(values, values.size());
        for (String v : values) {
            gen.writeString(v);
        }
        gen.writeEndArray();
    }
}
