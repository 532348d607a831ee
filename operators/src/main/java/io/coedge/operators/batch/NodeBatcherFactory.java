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

  public NodeBatcherFactory(BatcherConfig config) {
    this.config = config;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T extends StreamOperator<FrameResult>> T createStreamOperator(StreamOperatorParameters<FrameResult> parameters) {
    return (T) new NodeBatcherOperator(parameters, config);
  }

  @Override
  public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
    return NodeBatcherOperator.class;
  }
}
