package io.coedge.sidecar.runtime;

import java.util.Optional;

/**
 * The accelerator the sidecar runs on: what was asked for, what is used, and why they differ when
 * they do. {@code used} is "cpu" or "cuda:N".
 */
public record Device(String requested, String used, Optional<String> fallbackReason) {

    public boolean cuda() {
        return used.startsWith("cuda");
    }

    public int cudaDeviceId() {
        return cuda() ? Integer.parseInt(used.substring("cuda:".length())) : -1;
    }
}
