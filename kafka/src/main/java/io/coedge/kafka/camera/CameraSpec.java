package io.coedge.kafka.camera;

import io.coedge.catalog.Catalog;
import io.coedge.catalog.TaskSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated camera.
 *
 * @param id camera id (the record key)
 * @param task task its frames belong to
 * @param origin node it is attached to
 * @param fps frames per second
 * @param width frame width
 * @param height frame height
 */
public record CameraSpec(String id, String task, String origin, double fps, int width, int height) {

    /**
     * The catalog's cameras, or {@code cameras} cameras spread round-robin over its tasks (named
     * {@code <task>-cam-<n>} beyond the catalog's own), each at {@code fps} when given.
     *
     * @param cameras number of cameras, or null for exactly the catalog's
     * @param fps frames per second per camera, or null for each task's
     */
    public static List<CameraSpec> fromCatalog(Catalog catalog, Integer cameras, Double fps) {
        List<CameraSpec> listed = new ArrayList<>();
        for (TaskSpec task : catalog.tasks()) {
            for (String camera : task.cameras()) {
                listed.add(of(task, camera, fps));
            }
        }
        if (cameras == null) {
            return listed;
        }
        if (cameras < 1) {
            throw new IllegalArgumentException("--cameras must be at least 1, not " + cameras);
        }
        List<CameraSpec> out = new ArrayList<>(listed.subList(0, Math.min(cameras, listed.size())));
        List<TaskSpec> tasks = catalog.tasks();
        for (int n = out.size(); n < cameras; n++) {
            TaskSpec task = tasks.get(n % tasks.size());
            out.add(of(task, task.id() + "-cam-" + n, fps));
        }
        return out;
    }

    private static CameraSpec of(TaskSpec task, String camera, Double fps) {
        return new CameraSpec(
                camera,
                task.id(),
                task.origin(),
                fps == null ? task.fps() : fps,
                task.frameWidth(),
                task.frameHeight());
    }
}
