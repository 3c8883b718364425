package dev.safeupdater.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;

/** Builds Kubernetes workloads for tests: {@code Workloads.of("Deployment", "shop", "web").container("app", "nginx:1.25")}. */
public final class Workloads {
    private final String kind;
    private final String namespace;
    private final String name;
    private final Map<String, String> labels = new LinkedHashMap<>();
    private final Map<String, String> annotations = new LinkedHashMap<>();
    private final List<Container> containers = new ArrayList<>();
    private final List<Container> initContainers = new ArrayList<>();
    private final List<String> pullSecrets = new ArrayList<>();

    private Workloads(String kind, String namespace, String name) {
        this.kind = kind;
        this.namespace = namespace;
        this.name = name;
    }

    public static Workloads of(String kind, String namespace, String name) {
        return new Workloads(kind, namespace, name);
    }

    public static Namespace namespace(String name) {
        return new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build();
    }

    public Workloads container(String containerName, String image) {
        containers.add(new ContainerBuilder().withName(containerName).withImage(image).build());
        return this;
    }

    public Workloads init(String containerName, String image) {
        initContainers.add(new ContainerBuilder().withName(containerName).withImage(image).build());
        return this;
    }

    public Workloads label(String k, String v) {
        labels.put(k, v);
        return this;
    }

    public Workloads annotation(String k, String v) {
        annotations.put(k, v);
        return this;
    }

    public Workloads pullSecret(String secret) {
        pullSecrets.add(secret);
        return this;
    }

    /**
     * A pod of workload {@code app} (label {@code app=<app>}, as {@link #build()} selects) whose container
     * {@code container} runs {@code image} with {@code imageId} as the kubelet reports it.
     */
    public static io.fabric8.kubernetes.api.model.Pod pod(String namespace, String name, String app, String container,
                                                          String image, String imageId) {
        return new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withNamespace(namespace)
                .withName(name).addToLabels("app", app).endMetadata()
                .withNewSpec().addNewContainer().withName(container).withImage(image).endContainer().endSpec()
                .withNewStatus().addNewContainerStatus().withName(container).withImage(image).withImageID(imageId)
                .endContainerStatus().endStatus().build();
    }

    public HasMetadata build() {
        ObjectMeta meta = new ObjectMetaBuilder().withNamespace(namespace).withName(name).withLabels(labels)
                .withAnnotations(annotations).build();
        PodSpec spec = new PodSpecBuilder().withContainers(containers).withInitContainers(initContainers)
                .withImagePullSecrets(pullSecrets.stream().map(LocalObjectReference::new).toList()).build();
        PodTemplateSpec template = new PodTemplateSpecBuilder().withNewMetadata().addToLabels("app", name)
                .endMetadata().withSpec(spec).build();
        return switch (kind) {
            case "Deployment" -> new DeploymentBuilder().withMetadata(meta).withNewSpec().withNewSelector()
                    .addToMatchLabels("app", name).endSelector().withTemplate(template).endSpec().build();
            case "StatefulSet" -> new StatefulSetBuilder().withMetadata(meta).withNewSpec().withNewSelector()
                    .addToMatchLabels("app", name).endSelector().withTemplate(template).endSpec().build();
            case "DaemonSet" -> new DaemonSetBuilder().withMetadata(meta).withNewSpec().withNewSelector()
                    .addToMatchLabels("app", name).endSelector().withTemplate(template).endSpec().build();
            case "CronJob" -> new CronJobBuilder().withMetadata(meta).withNewSpec().withSchedule("*/5 * * * *")
                    .withNewJobTemplate().withNewSpec().withTemplate(template).endSpec().endJobTemplate().endSpec()
                    .build();
            default -> throw new IllegalArgumentException(kind);
        };
    }
}
