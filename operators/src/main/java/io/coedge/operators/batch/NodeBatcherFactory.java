package io.coedge.operators.batch;

import io.coedge.format.FrameResult;
import io.coedge.operators.dispatch.RoutedFrame;
import org.apache.flink.streaming.api.operators.AbstractStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;

/** Creates {@link NodeBatcherOperator}s with the task's mailbox, through which batches complete. */
public final class NodeBatcherFactory extends AbstractStreamOperatorFactory<FrameResult>
        implements OneInputStreamOperatorFactory<RoutedFrame, FrameResult> {
    private final BatcherConfig config;
    private final InferenceExecutor.Factory executor;

    /** Batchers that run their batches on each node's sidecar. */
    public NodeBatcherFactory(BatcherConfig config) {
        this(config, SidecarExecutor::new);
    }

    /** Batchers that run their batches with the given executor (tests: a delay executor). */
    public NodeBatcherFactory(BatcherConfig config, InferenceExecutor.Factory executor) {
        this.config = config;
        this.executor = executor;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends StreamOperator<FrameResult>> T createStreamOperator(
            StreamOperatorParameters<FrameResult> parameters) {
        return (T) new NodeBatcherOperator(parameters, config, executor);
    }

    @Override
    public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
        return NodeBatcherOperator.class;
    }
}
