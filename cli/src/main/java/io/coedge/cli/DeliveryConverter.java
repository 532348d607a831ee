package io.coedge.cli;

import io.coedge.jobs.CoEdgeJob;
import picocli.CommandLine;

/** {@code --delivery exactly-once|low-latency}; a wrong value is one line naming both. */
final class DeliveryConverter implements CommandLine.ITypeConverter<CoEdgeJob.Delivery> {
    static final String DESCRIPTION =
            "Results delivery: exactly-once (Kafka transactions, visible when a checkpoint"
                    + " completes) or low-latency (visible at once; after a failure a result may"
                    + " repeat, keyed by the same frameId) (default: ${DEFAULT-VALUE}).";

    @Override
    public CoEdgeJob.Delivery convert(String value) {
        try {
            return CoEdgeJob.Delivery.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(
                    "expected exactly-once or low-latency, got '" + value + "'");
        }
    }
}
