package dev.safeupdater.api;

import java.io.IOException;
import java.time.Instant;
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
import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.History;
import dev.safeupdater.policy.Evaluation;
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
 * Rendered by {@link Json#MAPPER} with serializers of this route only. The parts whose content is the same for
 * every evaluation under one policy snapshot, a fired rule's metadata and a scope's settings, are rendered to JSON
 * once per rule set and policy set (they are the same objects until the next activation) and then written as they
 * are; the explanation, the candidate, the history and the rest of a fired rule and of the scope are written field
 * by field, in the order and form the record serializers give, without their reflection (it was the largest part
 * of the route's own CPU time). The document is the same, byte for byte (EvaluateRenderingTest).
 */
final class EvaluateResource implements HttpService {
    /** {@link Json#MAPPER} with the serializers below. */
    static final ObjectMapper MAPPER = Json.MAPPER.copy().registerModule(new SimpleModule("evaluate-rendering")
            .addSerializer(FiredRule.class, new FiredRuleSerializer())
            .addSerializer(ScopeMatch.Explanation.class, new ScopeSerializer())
            .addSerializer(Evaluation.Explanation.class, new ExplanationSerializer())
            .addSerializer(Candidate.class, new CandidateSerializer())
            .addSerializer(History.class, new HistorySerializer()));

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
        Fields.name(gen, "outcome", rule.outcome());
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
        Fields.name(gen, "mode", s.mode());
        gen.writeStringField("description", s.description());
        gen.writeStringField("owner", s.owner());
        Fields.strings(gen, "because", s.because());
        Fields.strings(gen, "alsoMatched", s.alsoMatched());
        gen.writeFieldName("settings");
        gen.writeRawValue(settings.json(s.name(), s.settings()));
        gen.writeEndObject();
    }
}

/**
 * Writing helpers shared by the serializers above: the forms the shared mapper gives (a null string, as
 * {@code writeStringField} writes it, is JSON null).
 */
final class Fields {
    private Fields() {
    }

    /** An enum as its name (no enum here has a JSON name of its own), or null. */
    static void name(JsonGenerator gen, String field, Enum<?> value) throws IOException {
        gen.writeStringField(field, value == null ? null : value.name());
    }

    /** An instant in ISO-8601 (what the JavaTimeModule writes with WRITE_DATES_AS_TIMESTAMPS off), or null. */
    static void instant(JsonGenerator gen, String field, Instant value) throws IOException {
        gen.writeStringField(field, value == null ? null : value.toString());
    }

    static void strings(JsonGenerator gen, String field, List<String> values) throws IOException {
        gen.writeFieldName(field);
        if (values == null) {
            gen.writeNull();
            return;
        }
        gen.writeStartArray(values, values.size());
        for (String v : values) {
            gen.writeString(v); // null as null
        }
        gen.writeEndArray();
    }

    static void stringMap(JsonGenerator gen, String field, Map<String, String> values) throws IOException {
        gen.writeFieldName(field);
        if (values == null) {
            gen.writeNull();
            return;
        }
        gen.writeStartObject(values);
        for (Map.Entry<String, String> e : values.entrySet()) {
            gen.writeStringField(e.getKey(), e.getValue());
        }
        gen.writeEndObject();
    }
}

/** An evaluation explained, field by field in record order; its parts by their own serializers. */
final class ExplanationSerializer extends StdSerializer<Evaluation.Explanation> {
    private static final long serialVersionUID = 1L;

    ExplanationSerializer() {
        super(Evaluation.Explanation.class);
    }

    @Override
    public void serialize(Evaluation.Explanation e, JsonGenerator gen, SerializerProvider provider)
            throws IOException {
        gen.writeStartObject(e);
        Fields.name(gen, "outcome", e.outcome());
        gen.writeStringField("decidedBy", e.decidedBy());
        Fields.strings(gen, "reasons", e.reasons());
        gen.writeFieldName("firedRules");
        if (e.firedRules() == null) {
            gen.writeNull();
        } else {
            gen.writeStartArray(e.firedRules(), e.firedRules().size());
            for (FiredRule f : e.firedRules()) {
                provider.defaultSerializeValue(f, gen);
            }
            gen.writeEndArray();
        }
        provider.defaultSerializeField("scope", e.scope(), gen);
        Fields.name(gen, "mode", e.mode());
        Fields.name(gen, "changeType", e.changeType());
        provider.defaultSerializeField("candidate", e.candidate(), gen);
        provider.defaultSerializeField("history", e.history(), gen);
        Fields.instant(gen, "evaluatedAt", e.evaluatedAt());
        gen.writeStringField("rulesetRevision", e.rulesetRevision());
        gen.writeStringField("policyRevision", e.policyRevision());
        gen.writeEndObject();
    }
}

/** A candidate, its asset key inline, field by field in record order. */
final class CandidateSerializer extends StdSerializer<Candidate> {
    private static final long serialVersionUID = 1L;

    CandidateSerializer() {
        super(Candidate.class);
    }

    @Override
    public void serialize(Candidate c, JsonGenerator gen, SerializerProvider provider) throws IOException {
        gen.writeStartObject(c);
        gen.writeFieldName("asset");
        AssetKey k = c.asset();
        if (k == null) {
            gen.writeNull();
        } else {
            gen.writeStartObject(k);
            gen.writeStringField("source", k.source());
            gen.writeStringField("cluster", k.cluster());
            gen.writeStringField("namespace", k.namespace());
            gen.writeStringField("kind", k.kind());
            gen.writeStringField("name", k.name());
            gen.writeStringField("container", k.container());
            gen.writeEndObject();
        }
        Fields.stringMap(gen, "labels", c.labels());
        Fields.stringMap(gen, "annotations", c.annotations());
        gen.writeStringField("image", c.image());
        gen.writeStringField("currentTag", c.currentTag());
        gen.writeStringField("currentDigest", c.currentDigest());
        gen.writeStringField("candidateTag", c.candidateTag());
        gen.writeStringField("candidateDigest", c.candidateDigest());
        Fields.name(gen, "changeType", c.changeType());
        gen.writeBooleanField("currentPrerelease", c.currentPrerelease());
        Fields.instant(gen, "releaseTime", c.releaseTime());
        Fields.name(gen, "releaseTimeSource", c.releaseTimeSource());
        gen.writeBooleanField("candidatePrerelease", c.candidatePrerelease());
        gen.writeEndObject();
    }
}

/** A history: its lists by the shared serializers when they hold anything (the usual what-if states none). */
final class HistorySerializer extends StdSerializer<History> {
    private static final long serialVersionUID = 1L;

    HistorySerializer() {
        super(History.class);
    }

    @Override
    public void serialize(History h, JsonGenerator gen, SerializerProvider provider) throws IOException {
        gen.writeStartObject(h);
        list(gen, provider, "failures", h.failures());
        list(gen, provider, "pins", h.pins());
        list(gen, provider, "approvals", h.approvals());
        provider.defaultSerializeField("lastUpdate", h.lastUpdate(), gen);
        gen.writeEndObject();
    }

    private static void list(JsonGenerator gen, SerializerProvider provider, String field, List<?> values)
            throws IOException {
        if (values != null && values.isEmpty()) {
            gen.writeFieldName(field);
            gen.writeStartArray(values, 0);
            gen.writeEndArray();
        } else {
            provider.defaultSerializeField(field, values, gen);
        }
    }
}
