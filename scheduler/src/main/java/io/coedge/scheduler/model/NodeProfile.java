package io.coedge.scheduler.model;

import java.util.Map;
import java.util.Objects;

/**
 * What the dispatcher knows about one edge node: how fast it runs each model at each batch size,
 * how much of its accelerator is already taken by work outside this scheduler ({@code load}, a
 * fraction in [0, 1)), and whether it is healthy. A node that lacks a model's profile cannot run
 * it.
 */
public record NodeProfile(
        String name, Map<Model, LatencyProfile> profiles, double load, boolean healthy) {

    public NodeProfile {
        Objects.requireNonNull(name, "name");
        profiles = Map.copyOf(profiles);
        if (!(load >= 0 && load < 1)) {
            throw new IllegalArgumentException(
                    "load of node " + name + " must be in [0, 1), was " + load);
        }
    }

    public static NodeProfile healthy(String name, Map<Model, LatencyProfile> profiles) {
        return new NodeProfile(name, profiles, 0.0, true);
    }

    public boolean canRun(Model model) {
        return profiles.containsKey(model);
    }

    /**
     * The profile as this node delivers it now: measured latency stretched by the background load.
     */
    public LatencyProfile effectiveProfile(Model model) {
        LatencyProfile p = profiles.get(model);
        if (p == null) {
            return null;
        }
        return load == 0 ? p : p.scaled(1.0 / (1.0 - load));
    }

    public NodeProfile withHealthy(boolean newHealthy) {
        return new NodeProfile(name, profiles, load, newHealthy);
    }

    public NodeProfile withProfile(Model model, LatencyProfile profile) {
        java.util.HashMap<Model, LatencyProfile> copy = new java.util.HashMap<>(profiles);
        copy.put(model, profile);
        return new NodeProfile(name, copy, load, healthy);
    }
}
