package dev.safeupdater.deploy;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Rendered manifests (the output of {@code helm template} or {@code kubectl kustomize}) loaded with fabric8's typed
 * model: a Deployment is an {@code apps.v1.Deployment}, a ClusterRole an {@code rbac.v1.ClusterRole}. Kinds the model
 * does not know (PrometheusRule, ServiceMonitor) stay {@link GenericKubernetesResource}. A field the typed model does
 * not know (a misspelt {@code readinesProbe}) lands in an {@code additionalProperties} map, which {@link #load} refuses.
 */
final class Manifests {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    final List<HasMetadata> objects;
    final String text;

    private Manifests(List<HasMetadata> objects, String text) {
        this.objects = objects;
        this.text = text;
    }

    static Manifests load(String yaml) {
        List<HasMetadata> out = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc == null || doc.isNull() || doc.isMissingNode() || doc.isEmpty()) {
                    continue;
                }
                HasMetadata o = SERIALIZATION.unmarshal(JSON.writeValueAsString(doc));
                String where = o.getKind() + " " + o.getMetadata().getName();
                List<String> unknown = new ArrayList<>();
                if (!(o instanceof GenericKubernetesResource)) {
                    unknownFields(o, where, unknown);
                }
                if (!unknown.isEmpty()) {
                    throw new AssertionError("fields the Kubernetes model does not know: " + unknown);
                }
                out.add(o);
            }
        } catch (IOException e) {
            throw new AssertionError("not YAML: " + e.getMessage() + "\n" + yaml, e);
        }
        return new Manifests(List.copyOf(out), yaml);
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type) {
        List<T> found = all(type);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + type.getSimpleName() + ", found " + found.size() + ": " + kinds());
        }
        return found.get(0);
    }

    <T extends HasMetadata> Optional<T> named(Class<T> type, String name) {
        return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    List<GenericKubernetesResource> generic(String kind) {
        return all(GenericKubernetesResource.class).stream().filter(g -> g.getKind().equals(kind)).toList();
    }

    /** Kinds with how many of each, e.g. {@code {ConfigMap=3, Deployment=1}}. */
    Map<String, Long> kinds() {
        return objects.stream().collect(Collectors.groupingBy(HasMetadata::getKind, java.util.TreeMap::new,
                Collectors.counting()));
    }

    /** Walks a typed object and reports every non-empty {@code additionalProperties} (fields the model lacks). */
    private static void unknownFields(Object o, String path, List<String> unknown) {
        if (o == null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                unknownFields(e, path + "[" + i++ + "]", unknown);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unknownFields(v, path + "." + k, unknown));
            return;
        }
        if (!o.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object v;
            try {
                v = m.invoke(o);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + ": " + extra.keySet());
                }
            } else {
                String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
                unknownFields(v, path + "." + field, unknown);
            }
        }
    }
}
