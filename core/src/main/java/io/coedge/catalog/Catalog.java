package io.coedge.catalog;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The task catalog / topology of one deployment: edge nodes, models and tasks. Immutable; built by
 * {@link CatalogLoader}, which has already checked every cross-reference.
 */
public final class Catalog {
    private final Map<String, NodeSpec> nodes;
    private final Map<String, ModelSpec> models;
    private final Map<String, TaskSpec> tasks;
    private final Map<String, TaskSpec> taskByCamera;
    private final List<LinkSpec> links;

    Catalog(
            List<NodeSpec> nodes,
            List<ModelSpec> models,
            List<TaskSpec> tasks,
            List<LinkSpec> links) {
        this.links = List.copyOf(links);
        this.nodes = index(nodes, NodeSpec::id);
        this.models = index(models, ModelSpec::name);
        this.tasks = index(tasks, TaskSpec::id);
        Map<String, TaskSpec> byCamera = new LinkedHashMap<>();
        for (TaskSpec task : tasks) {
            for (String camera : task.cameras()) {
                byCamera.put(camera, task);
            }
        }
        this.taskByCamera = Map.copyOf(byCamera);
    }

    private static <T> Map<String, T> index(
            List<T> items, java.util.function.Function<T, String> id) {
        Map<String, T> map = new LinkedHashMap<>();
        for (T item : items) {
            map.put(id.apply(item), item);
        }
        return java.util.Collections.unmodifiableMap(map);
    }

    public List<NodeSpec> nodes() {
        return List.copyOf(nodes.values());
    }

    public List<ModelSpec> models() {
        return List.copyOf(models.values());
    }

    public List<TaskSpec> tasks() {
        return List.copyOf(tasks.values());
    }

    public Optional<NodeSpec> node(String id) {
        return Optional.ofNullable(nodes.get(id));
    }

    public Optional<ModelSpec> model(String name) {
        return Optional.ofNullable(models.get(name));
    }

    public Optional<TaskSpec> task(String id) {
        return Optional.ofNullable(tasks.get(id));
    }

    /** The task a camera feeds; a camera feeds at most one task per catalog. */
    public Optional<TaskSpec> taskOfCamera(String camera) {
        return Optional.ofNullable(taskByCamera.get(camera));
    }

    /** The model of a task that the loader has validated. */
    public ModelSpec modelOf(TaskSpec task) {
        return models.get(task.model());
    }

    /**
     * Every ordered pair of distinct nodes with its link (the defaults where no link was given).
     */
    public List<LinkSpec> links() {
        return links;
    }

    /** Total frames per second over every camera of every task. */
    public double totalFps() {
        return tasks.values().stream().mapToDouble(t -> t.fps() * t.cameras().size()).sum();
    }
}
