package io.coedge.scheduler.node;

/**
 * A batch the engine started: which frames (the caller's handles, deadline order), and when the
 * engine expects it to end. The caller runs it and hands it back to {@link NodeEngine#finished}.
 */
public final class Batch {
    private final int model;
    private final long[] handles;
    private final long bytes;
    private final long startMicros;
    private final long predictedEndMicros;
    private final long typicalEndMicros;
    private final boolean pipelined;

    Batch(
            int model,
            long[] handles,
            long bytes,
            long startMicros,
            long predictedEndMicros,
            long typicalEndMicros,
            boolean pipelined) {
        this.model = model;
        this.handles = handles;
        this.bytes = bytes;
        this.startMicros = startMicros;
        this.predictedEndMicros = predictedEndMicros;
        this.typicalEndMicros = typicalEndMicros;
        this.pipelined = pipelined;
    }

    public int model() {
        return model;
    }

    /** The frames' handles, earliest deadline first; do not modify. */
    public long[] handles() {
        return handles;
    }

    public int size() {
        return handles.length;
    }

    /** The frames' encoded bytes, held against the node's memory bound until the batch finishes. */
    public long bytes() {
        return bytes;
    }

    public long startMicros() {
        return startMicros;
    }

    /** When it ends by the pessimistic estimate (the sidecar's p99 plus the node's overhead). */
    public long predictedEndMicros() {
        return predictedEndMicros;
    }

    /** When it ends by the typical estimate (never after {@link #predictedEndMicros()}). */
    public long typicalEndMicros() {
        return typicalEndMicros;
    }

    /** Sent while another batch still ran, so its time includes waiting for that one. */
    public boolean pipelined() {
        return pipelined;
    }
}
