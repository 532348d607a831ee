package io.coedge.scheduler.model;

import java.util.Objects;

/** A DNN model held once in a node's shared inference container, e.g. {@code yolo-small}. */
public record Model(String name) {
    public Model {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("model name must not be blank");
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
