package io.coedge.sidecar.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.coedge.sidecar.repository.ModelRepository;
import io.coedge.sidecar.repository.RepositoryException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every model version of the repository, loaded once for the process. A model or version that fails
 * to load is kept with its reason (served as not ready) while the others serve.
 */
public final class ModelRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

    /** A version: either an instance or the reason there is none. */
    public record Version(
            long version, Optional<ModelInstance> instance, Optional<String> failure) {
        public boolean ready() {
            return instance.map(ModelInstance::ready).orElse(false);
        }

        public String notReadyReason() {
            return failure.orElse("warm-up has not finished");
        }
    }

    /** A model directory: its versions (highest is the default) or why none could be read. */
    public record Model(String name, TreeMap<Long, Version> versions, Optional<String> failure) {}

    private final Map<String, Model> models;

    private ModelRegistry(Map<String, Model> models) {
        this.models = models;
    }

    public static ModelRegistry load(ModelRepository repository, Device device, int threads)
            throws IOException {
        Map<String, Model> models = new LinkedHashMap<>();
        for (ModelRepository.ModelSource source : repository.scan()) {
            TreeMap<Long, Version> versions = new TreeMap<>();
            for (ModelRepository.VersionSource v : source.versions().values()) {
                versions.put(v.version(), loadVersion(source, v, device, threads));
            }
            source.failure()
                    .ifPresent(f -> LOG.warn("model '{}' is not served: {}", source.name(), f));
            models.put(source.name(), new Model(source.name(), versions, source.failure()));
        }
        return new ModelRegistry(models);
    }

    private static Version loadVersion(
            ModelRepository.ModelSource source,
            ModelRepository.VersionSource v,
            Device device,
            int threads) {
        if (v.failure().isPresent()) {
            LOG.warn(
                    "model '{}' version {} is not served: {}",
                    source.name(),
                    v.version(),
                    v.failure().get());
            return new Version(v.version(), Optional.empty(), v.failure());
        }
        if (DelayModel.selectedBy(source.config())) {
            try {
                ModelInstance instance =
                        ModelInstance.loadDelay(
                                source.name(), v.version(), source.config().orElseThrow());
                LOG.info(
                        "loaded delay model '{}' version {}: {}",
                        source.name(),
                        v.version(),
                        instance.spec());
                return new Version(v.version(), Optional.of(instance), Optional.empty());
            } catch (RepositoryException e) {
                LOG.warn(
                        "model '{}' version {} is not served: {}",
                        source.name(),
                        v.version(),
                        e.getMessage());
                return new Version(v.version(), Optional.empty(), Optional.of(e.getMessage()));
            }
        }
        try (OrtSession.SessionOptions options =
                DeviceSelector.sessionOptions(
                        device,
                        threadParameter(source, "intra_op_thread_count", threads),
                        threadParameter(source, "inter_op_thread_count", 1))) {
            ModelInstance instance =
                    ModelInstance.load(
                            source.name(),
                            v.version(),
                            v.modelFile().orElseThrow(),
                            source.config(),
                            options);
            LOG.info(
                    "loaded model '{}' version {} on {}: {}",
                    source.name(),
                    v.version(),
                    device.used(),
                    instance.spec());
            return new Version(v.version(), Optional.of(instance), Optional.empty());
        } catch (RepositoryException | OrtException e) {
            LOG.warn(
                    "model '{}' version {} is not served: {}",
                    source.name(),
                    v.version(),
                    e.getMessage());
            return new Version(v.version(), Optional.empty(), Optional.of(e.getMessage()));
        }
    }

    /**
     * A thread count from the model's config.pbtxt {@code parameters}, as Triton's ONNX Runtime
     * backend reads them ({@code intra_op_thread_count}, {@code inter_op_thread_count}; 0 = ONNX
     * Runtime's default), else {@code otherwise}.
     */
    static int threadParameter(ModelRepository.ModelSource source, String key, int otherwise)
            throws RepositoryException {
        var p = source.config().map(c -> c.getParametersMap().get(key));
        if (p.isEmpty()) {
            return otherwise;
        }
        String value = p.get().getStringValue().trim();
        try {
            int n = Integer.parseInt(value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new RepositoryException(
                "model '"
                        + source.name()
                        + "': parameter "
                        + key
                        + " must be a number >= 0, got '"
                        + value
                        + "'");
    }

    /**
     * Warms up every loaded instance. A warm-up that fails leaves the model served (a model whose
     * output shape depends on its input may refuse synthetic data yet run real requests): a warning
     * says so, and the batch sizes it did not measure are learned from real requests.
     */
    public void warmUp(int runsPerBatchSize) {
        for (Model model : models.values()) {
            for (Map.Entry<Long, Version> e : model.versions().entrySet()) {
                Optional<ModelInstance> instance = e.getValue().instance();
                if (instance.isEmpty()) {
                    continue;
                }
                long start = System.nanoTime();
                Optional<String> failure = instance.get().warmUp(runsPerBatchSize);
                if (failure.isPresent()) {
                    LOG.warn(
                            "model '{}' version {}: warm-up failed ({}); the model is served and"
                                    + " its latency profile is learned from real requests",
                            model.name(),
                            e.getKey(),
                            failure.get());
                } else {
                    LOG.info(
                            "warmed up model '{}' version {} in {} ms, p99 by batch size (us): {}",
                            model.name(),
                            e.getKey(),
                            (System.nanoTime() - start) / 1_000_000,
                            instance.get().profile().snapshot().entrySet().stream()
                                    .map(p -> p.getKey() + "=" + p.getValue() / 1000)
                                    .toList());
                }
            }
        }
    }

    public Optional<Model> model(String name) {
        return Optional.ofNullable(models.get(name));
    }

    /** The instance of {@code name}'s default (highest) version, if that version loaded. */
    public Optional<ModelInstance> defaultInstance(String name) {
        return model(name)
                .filter(m -> !m.versions().isEmpty())
                .flatMap(m -> m.versions().lastEntry().getValue().instance());
    }

    public Collection<Model> models() {
        return models.values();
    }

    /** Every loaded instance, for metrics and shutdown. */
    public List<ModelInstance> instances() {
        List<ModelInstance> out = new ArrayList<>();
        for (Model m : models.values()) {
            for (Version v : m.versions().values()) {
                v.instance().ifPresent(out::add);
            }
        }
        return out;
    }

    /**
     * True once every model version that loaded has warmed up (failed models do not hold readiness
     * back).
     */
    public boolean ready() {
        return instances().stream().allMatch(ModelInstance::ready);
    }

    @Override
    public void close() {
        instances().forEach(ModelInstance::close);
    }
}
