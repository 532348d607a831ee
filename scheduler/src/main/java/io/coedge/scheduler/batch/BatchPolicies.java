package io.coedge.scheduler.batch;

import java.util.List;

/** The batch policies by command-line name, with their default configuration. */
public final class BatchPolicies {

    public static final List<String> NAMES =
            List.of(
                    CoEdgeBatchPolicy.NAME,
                    FifoBatchPolicy.NAME,
                    TritonBatchPolicy.NAME,
                    DeepStreamBatchPolicy.NAME,
                    ClockworkBatchPolicy.NAME);

    private BatchPolicies() {}

    public static BatchPolicy byName(String name) {
        return switch (name) {
            case CoEdgeBatchPolicy.NAME -> CoEdgeBatchPolicy.withDefaults();
            case FifoBatchPolicy.NAME -> new FifoBatchPolicy();
            case TritonBatchPolicy.NAME -> TritonBatchPolicy.withDefaults();
            case DeepStreamBatchPolicy.NAME -> DeepStreamBatchPolicy.withDefaults();
            case ClockworkBatchPolicy.NAME -> new ClockworkBatchPolicy();
            default ->
                    throw new IllegalArgumentException(
                            "unknown batch policy '" + name + "', expected one of " + NAMES);
        };
    }
}
