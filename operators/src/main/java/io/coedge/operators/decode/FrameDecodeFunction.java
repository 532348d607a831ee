package io.coedge.operators.decode;

import io.coedge.catalog.CatalogText;
import io.coedge.format.DeadLetter;
import io.coedge.format.DecodeResult;
import io.coedge.format.DecoderLimits;
import io.coedge.format.Frame;
import io.coedge.format.FrameDecoder;
import io.coedge.format.RawRecord;
import io.coedge.operators.batch.NodeIdentity;
import io.coedge.operators.profile.SourceSubtasks;
import io.coedge.operators.release.JobClassLoaderRelease;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.operators.StreamingRuntimeContext;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates frame records: good ones go on as {@link Frame}s, bad ones to the {@link #DEAD_LETTERS}
 * side output with their error code. Never throws on input, so no record can stop the job.
 *
 * <p>Chained to the frames source (same parallelism, forward edge), it runs in the source subtask's
 * slot: on open it resolves the node that slot is on as the batcher does ({@link NodeIdentity}) and
 * announces it ({@link SourceSubtasks}; the node's status carries it), so that producers on a node
 * write to the partitions read there (docs/ARCHITECTURE.md, "Frames read on their origin node").
 * The counter {@code framesOffOrigin} counts frames read on another node than their origin's: those
 * pay one more link than the scheduling model charges.
 */
public final class FrameDecodeFunction extends ProcessFunction<RawRecord, Frame> {
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private static final Logger LOG = LoggerFactory.getLogger(FrameDecodeFunction.class);

    private final CatalogText catalog;
    private final DecoderLimits limits;
    private final boolean localMode;
    private transient FrameDecoder decoder;
    private transient Counter accepted;
    private transient Counter rejected;
    private transient Counter offOrigin;
    private transient String node;
    private transient SourceSubtasks.Claim claim;

    /**
     * @param localMode all subtasks share one host (MiniCluster): subtask i is the catalog's i-th
     *     node, as for the batcher
     */
    public FrameDecodeFunction(CatalogText catalog, DecoderLimits limits, boolean localMode) {
        this.catalog = catalog;
        this.limits = limits;
        this.localMode = localMode;
    }

    @Override
    public void open(OpenContext context) {
        JobClassLoaderRelease.register(getRuntimeContext());
        var parsed = catalog.parse();
        decoder = new FrameDecoder(parsed, limits);
        accepted = getRuntimeContext().getMetricGroup().counter("framesAccepted");
        rejected = getRuntimeContext().getMetricGroup().counter("framesDeadLettered");
        offOrigin = getRuntimeContext().getMetricGroup().counter("framesOffOrigin");
        var task = getRuntimeContext().getTaskInfo();
        Configuration tmConfig =
                getRuntimeContext() instanceof StreamingRuntimeContext streaming
                        ? streaming.getTaskManagerRuntimeInfo().getConfiguration()
                        : new Configuration();
        try {
            node =
                    NodeIdentity.resolve(parsed, tmConfig, task.getIndexOfThisSubtask(), localMode)
                            .node();
        } catch (IllegalStateException unknown) {
            // The batcher on this TaskManager fails with the same message; decoding goes on.
            LOG.warn("frames source subtask {} announces no node: {}", task, unknown.getMessage());
            return;
        }
        claim =
                new SourceSubtasks.Claim(
                        task.getIndexOfThisSubtask(),
                        task.getNumberOfParallelSubtasks(),
                        task.getAttemptNumber());
        SourceSubtasks.announce(node, claim);
        LOG.info(
                "frames source subtask {} of {} runs on node {}",
                claim.subtask(),
                claim.subtasks(),
                node);
    }

    @Override
    public void close() {
        if (claim != null) {
            SourceSubtasks.withdraw(node, claim);
        }
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<Frame> out) {
        DecodeResult result = decoder.decode(record, ctx.timerService().currentProcessingTime());
        if (result instanceof DecodeResult.Accepted a) {
            accepted.inc();
            if (node != null && !node.equals(a.frame().origin())) {
                offOrigin.inc();
            }
            out.collect(a.frame());
        } else {
            DecodeResult.Rejected r = (DecodeResult.Rejected) result;
            rejected.inc();
            ctx.output(DEAD_LETTERS, DeadLetter.of(record, r.code(), r.detail()));
        }
    }
}
