package io.coedge.oip;

import java.util.List;
import java.util.NoSuchElementException;

/**
 * The outputs of one inference call, and where its time went on a CoEdge sidecar (microseconds
 * queued and computing; -1 when the server does not say, as Triton).
 */
public record InferResult(
        String model,
        String version,
        String id,
        List<InferOutput> outputs,
        long queueMicros,
        long computeMicros) {

    public InferOutput output(String name) {
        return outputs.stream()
                .filter(o -> o.name().equals(name))
                .findFirst()
                .orElseThrow(
                        () ->
                                new NoSuchElementException(
                                        "no output '"
                                                + name
                                                + "' in "
                                                + outputs.stream()
                                                        .map(InferOutput::name)
                                                        .toList()));
    }
}
