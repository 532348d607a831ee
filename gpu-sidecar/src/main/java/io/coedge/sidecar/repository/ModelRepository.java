package io.coedge.sidecar.repository;

import com.google.protobuf.TextFormat;
import io.coedge.oip.v2.config.ModelConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A model repository in Triton's layout: {@code ROOT/<model>/<version>/model.onnx} and an optional
 * {@code ROOT/<model>/config.pbtxt} (for the delay runtime: the config, and no model file). Every
 * path is resolved to its real location and must stay inside ROOT, so a symlink or a config file
 * name cannot reach elsewhere.
 */
public final class ModelRepository {
    private static final String DEFAULT_MODEL_FILE = "model.onnx";

    /** One model directory: its versions, or the reason it cannot be served at all. */
    public record ModelSource(
            String name,
            Optional<ModelConfig> config,
            TreeMap<Long, VersionSource> versions,
            Optional<String> failure) {}

    /**
     * One version directory: the model file (none for the delay runtime), or why it cannot be used.
     */
    public record VersionSource(long version, Optional<Path> modelFile, Optional<String> failure) {}

    private final Path root;

    private ModelRepository(Path root) {
        this.root = root;
    }

    public static ModelRepository open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("model repository " + dir + " is not a directory");
        }
        return new ModelRepository(dir.toRealPath());
    }

    public Path root() {
        return root;
    }

    public List<ModelSource> scan() throws IOException {
        List<ModelSource> models = new ArrayList<>();
        try (Stream<Path> children = Files.list(root)) {
            for (Path dir : children.sorted().toList()) {
                String name = dir.getFileName().toString();
                if (name.startsWith(".") || !Files.isDirectory(dir)) {
                    continue;
                }
                models.add(scanModel(name, dir));
            }
        }
        return models;
    }

    private ModelSource scanModel(String name, Path dir) {
        TreeMap<Long, VersionSource> versions = new TreeMap<>();
        Path realDir;
        try {
            realDir = confine(dir);
        } catch (RepositoryException | IOException e) {
            return new ModelSource(name, Optional.empty(), versions, Optional.of(e.getMessage()));
        }
        Optional<ModelConfig> config = Optional.empty();
        Path configFile = realDir.resolve("config.pbtxt");
        if (Files.exists(configFile)) {
            try {
                config = Optional.of(parseConfig(confine(configFile)));
            } catch (RepositoryException | IOException e) {
                return new ModelSource(
                        name,
                        Optional.empty(),
                        versions,
                        Optional.of("config.pbtxt of model '" + name + "': " + e.getMessage()));
            }
            if (!config.get().getName().isEmpty() && !config.get().getName().equals(name)) {
                return new ModelSource(
                        name,
                        config,
                        versions,
                        Optional.of(
                                "config.pbtxt names model '"
                                        + config.get().getName()
                                        + "' but its directory is '"
                                        + name
                                        + "'"));
            }
        }
        String fileName =
                config.map(ModelConfig::getDefaultModelFilename)
                        .filter(s -> !s.isEmpty())
                        .orElse(DEFAULT_MODEL_FILE);
        boolean delay =
                config.map(c -> c.getBackend().equals(ServedModel.DELAY_BACKEND)).orElse(false);
        try (Stream<Path> children = Files.list(realDir)) {
            for (Path v : children.toList()) {
                String vName = v.getFileName().toString();
                if (!vName.matches("[0-9]{1,18}") || !Files.isDirectory(v)) {
                    continue;
                }
                long version = Long.parseLong(vName);
                versions.put(
                        version,
                        delay
                                ? new VersionSource(version, Optional.empty(), Optional.empty())
                                : scanVersion(version, v, fileName));
            }
        } catch (IOException e) {
            return new ModelSource(
                    name, config, versions, Optional.of("cannot list model directory: " + e));
        }
        if (versions.isEmpty()) {
            return new ModelSource(
                    name,
                    config,
                    versions,
                    Optional.of(
                            "no version directory (expected "
                                    + name
                                    + "/1/"
                                    + (delay ? "" : fileName)
                                    + ")"));
        }
        return new ModelSource(name, config, versions, Optional.empty());
    }

    private VersionSource scanVersion(long version, Path dir, String fileName) {
        try {
            Path file = confine(dir.resolve(fileName));
            if (!Files.isRegularFile(file)) {
                return new VersionSource(
                        version, Optional.empty(), Optional.of(fileName + " is not a file"));
            }
            return new VersionSource(version, Optional.of(file), Optional.empty());
        } catch (java.nio.file.NoSuchFileException e) {
            return new VersionSource(
                    version,
                    Optional.empty(),
                    Optional.of("missing " + root.relativize(dir).resolve(fileName)));
        } catch (RepositoryException | IOException e) {
            return new VersionSource(version, Optional.empty(), Optional.of(e.getMessage()));
        }
    }

    /** Resolves symlinks and refuses any path whose real location is outside the repository. */
    Path confine(Path path) throws IOException, RepositoryException {
        Path normalized = path.normalize();
        if (!normalized.startsWith(root)) {
            throw new RepositoryException(
                    "path '" + path + "' escapes the model repository " + root);
        }
        Path real = normalized.toRealPath();
        if (!real.startsWith(root)) {
            throw new RepositoryException(
                    "path '"
                            + root.relativize(normalized)
                            + "' resolves to "
                            + real
                            + ", outside the model repository "
                            + root);
        }
        return real;
    }

    static ModelConfig parseConfig(Path file) throws IOException, RepositoryException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        ModelConfig.Builder builder = ModelConfig.newBuilder();
        try {
            // Triton configs may carry fields (instance_group, optimization...) that we do not use.
            TextFormat.Parser.newBuilder().setAllowUnknownFields(true).build().merge(text, builder);
        } catch (TextFormat.ParseException e) {
            throw new RepositoryException("not a valid model configuration: " + e.getMessage(), e);
        }
        ModelConfig config = builder.build();
        if (!config.getPlatform().isEmpty() && !config.getPlatform().equals(ServedModel.PLATFORM)) {
            throw new RepositoryException(
                    "platform '"
                            + config.getPlatform()
                            + "' is not served; only '"
                            + ServedModel.PLATFORM
                            + "'");
        }
        if (config.getBackend().equals(ServedModel.DELAY_BACKEND)) {
            if (!config.getPlatform().isEmpty()) {
                throw new RepositoryException(
                        "backend '"
                                + ServedModel.DELAY_BACKEND
                                + "' runs no model file; leave platform out");
            }
        } else if (!config.getBackend().isEmpty() && !config.getBackend().equals("onnxruntime")) {
            throw new RepositoryException(
                    "backend '"
                            + config.getBackend()
                            + "' is not served; only 'onnxruntime'"
                            + " (and '"
                            + ServedModel.DELAY_BACKEND
                            + "' for delay models)");
        }
        return config;
    }
}
