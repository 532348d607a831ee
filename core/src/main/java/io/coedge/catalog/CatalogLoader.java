package io.coedge.catalog;

import io.coedge.yaml.YamlException;
import io.coedge.yaml.YamlProblem;
import io.coedge.yaml.YamlReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Loads and validates a task catalog YAML (see docs/FORMATS.md). Every problem is reported as a
 * {@link CatalogException} naming the file, the field, what is wrong and where; nothing is silently
 * defaulted except the documented optional fields. The fields, defaults and ranges are the records
 * of {@link CatalogFile}; this class checks what spans records (names, references) and fills in the
 * links.
 */
public final class CatalogLoader {
    private CatalogLoader() {}

    public static Catalog load(Path file) throws CatalogException {
        return load(file, new HashMap<>());
    }

    /**
     * As {@link #load(Path)}, and puts the class names of every {@code labelsFile} in {@code read}.
     */
    static Catalog load(Path file, Map<String, List<String>> read) throws CatalogException {
        try {
            return YamlReader.read(
                    file,
                    file.toString(),
                    CatalogFile.class,
                    f -> build(f, labelFiles(file.toAbsolutePath().getParent(), Map.of(), read)));
        } catch (YamlException e) {
            throw new CatalogException(e);
        }
    }

    /** Parses catalog YAML; {@code file} is only used to name the source in errors. */
    public static Catalog parse(String file, String yaml) throws CatalogException {
        return parse(file, yaml, Map.of());
    }

    /**
     * Parses catalog YAML whose {@code labelsFile}s were read already ({@link CatalogText}): a name
     * found in {@code labelFiles} is not read again; any other is read relative to {@code file}'s
     * folder.
     */
    public static Catalog parse(String file, String yaml, Map<String, List<String>> labelFiles)
            throws CatalogException {
        Path folder = Path.of(file).toAbsolutePath().getParent();
        try {
            return YamlReader.read(
                    file,
                    yaml,
                    CatalogFile.class,
                    f -> build(f, labelFiles(folder, labelFiles, new HashMap<>())));
        } catch (YamlException e) {
            throw new CatalogException(e);
        }
    }

    /**
     * Reads a labels file as Triton does: one class name per line, line number = class id (from 0);
     * trailing blank lines are ignored.
     */
    public static List<String> readLabels(Path file) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
            lines.remove(lines.size() - 1);
        }
        List<String> names = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) {
                throw new IOException("line " + (names.size() + 1) + " is empty");
            }
            names.add(line.strip());
        }
        if (names.isEmpty()) {
            throw new IOException("it names no class");
        }
        return List.copyOf(names);
    }

    private static Function<String, List<String>> labelFiles(
            Path folder, Map<String, List<String>> known, Map<String, List<String>> read) {
        return name -> {
            List<String> given = known.get(name);
            if (given != null) {
                return given;
            }
            Path path = folder == null ? Path.of(name) : folder.resolve(name);
            try {
                List<String> names = readLabels(path);
                read.put(name, names);
                return names;
            } catch (IOException e) {
                throw new YamlProblem(
                        "postprocess.labelsFile",
                        "cannot read class names from "
                                + path
                                + ": "
                                + (e instanceof java.nio.file.NoSuchFileException
                                        ? "no such file"
                                        : e.getMessage()));
            }
        };
    }

    private static Catalog build(CatalogFile file, Function<String, List<String>> labelFiles) {
        List<NodeSpec> nodes = file.nodes().stream().map(CatalogFile.Node::spec).toList();
        List<ModelSpec> models = new ArrayList<>();
        for (int i = 0; i < file.models().size(); i++) {
            try {
                models.add(file.models().get(i).spec(labelFiles));
            } catch (YamlProblem p) {
                throw new YamlProblem("models[" + i + "]." + p.path(), p.problem());
            }
        }
        List<TaskSpec> tasks = file.tasks().stream().map(CatalogFile.Task::spec).toList();
        crossCheck(nodes, models, tasks);
        return new Catalog(nodes, models, tasks, links(nodes, file.links(), file.network()));
    }

    private static void crossCheck(
            List<NodeSpec> nodes, List<ModelSpec> models, List<TaskSpec> tasks) {
        Set<String> nodeIds = new HashSet<>();
        Set<String> sidecars = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeSpec n = nodes.get(i);
            if (!nodeIds.add(n.id())) {
                throw new YamlProblem("nodes[" + i + "].id", "duplicate node id '" + n.id() + "'");
            }
            if (!sidecars.add(n.sidecar())) {
                throw new YamlProblem(
                        "nodes[" + i + "].sidecar",
                        "address " + n.sidecar() + " is used by another node");
            }
        }
        Set<String> modelNames = new HashSet<>();
        for (int i = 0; i < models.size(); i++) {
            ModelSpec m = models.get(i);
            if (!modelNames.add(m.name())) {
                throw new YamlProblem(
                        "models[" + i + "].name", "duplicate model name '" + m.name() + "'");
            }
        }
        Set<String> taskIds = new HashSet<>();
        Map<String, String> cameraOwner = new HashMap<>();
        for (int i = 0; i < tasks.size(); i++) {
            TaskSpec t = tasks.get(i);
            String at = "tasks[" + i + "]";
            if (!taskIds.add(t.id())) {
                throw new YamlProblem(at + ".id", "duplicate task id '" + t.id() + "'");
            }
            if (!modelNames.contains(t.model())) {
                throw new YamlProblem(
                        at + ".model",
                        "unknown model '" + t.model() + "'; models are " + sorted(modelNames));
            }
            knownNode(nodeIds, at + ".origin", t.origin());
            for (int c = 0; c < t.cameras().size(); c++) {
                String camera = t.cameras().get(c);
                String owner = cameraOwner.putIfAbsent(camera, t.id());
                if (owner != null) {
                    throw new YamlProblem(
                            at + ".cameras[" + c + "]",
                            "camera '"
                                    + camera
                                    + "' already feeds task '"
                                    + owner
                                    + "'; a camera feeds one task per catalog (run a second job for a second task)");
                }
            }
        }
    }

    /** Explicit links win; every other ordered pair of nodes gets the network defaults. */
    private static List<LinkSpec> links(
            List<NodeSpec> nodes, List<CatalogFile.Link> explicit, CatalogFile.Network network) {
        Map<List<String>, LinkSpec> byPair = new HashMap<>();
        Set<String> ids = new HashSet<>();
        nodes.forEach(n -> ids.add(n.id()));
        for (int i = 0; i < explicit.size(); i++) {
            CatalogFile.Link l = explicit.get(i);
            knownNode(ids, "links[" + i + "].from", l.from());
            knownNode(ids, "links[" + i + "].to", l.to());
            if (l.from().equals(l.to())) {
                throw new YamlProblem(
                        "links[" + i + "].to",
                        "is '" + l.to() + "' as is from; a link joins two different nodes");
            }
            double latency = l.latencyMs() == null ? network.latencyMs() : l.latencyMs();
            byPair.put(
                    List.of(l.from(), l.to()),
                    new LinkSpec(l.from(), l.to(), l.bandwidthMbps(), latency));
        }
        List<LinkSpec> all = new ArrayList<>();
        for (NodeSpec a : nodes) {
            for (NodeSpec b : nodes) {
                if (!a.id().equals(b.id())) {
                    all.add(
                            byPair.getOrDefault(
                                    List.of(a.id(), b.id()),
                                    new LinkSpec(
                                            a.id(),
                                            b.id(),
                                            network.bandwidthMbps(),
                                            network.latencyMs())));
                }
            }
        }
        return all;
    }

    private static void knownNode(Set<String> ids, String path, String node) {
        if (!ids.contains(node)) {
            throw new YamlProblem(path, "unknown node '" + node + "'; nodes are " + sorted(ids));
        }
    }

    private static List<String> sorted(Set<String> names) {
        return names.stream().sorted().toList();
    }
}
