package io.coedge.operators.decode;

import io.coedge.catalog.CatalogText;
import io.coedge.format.DeadLetter;
import io.coedge.format.DecodeResult;
import io.coedge.format.DecoderLimits;
import io.coedge.format.Frame;
import io.coedge.format.FrameDecoder;
import io.coedge.format.RawRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Validates frame records: good ones go on as {@link Frame}s, bad ones to the {@link #DEAD_LETTERS}
 * side output with their error code. Never throws on input, so no record can stop the job.
 */
public final class FrameDecodeFunction extends ProcessFunction<RawRecord, Frame> {
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private final CatalogText catalog;
    private final DecoderLimits limits;
    private transient FrameDecoder decoder;
    private transient Counter accepted;
    private transient Counter rejected;

    public FrameDecodeFunction(CatalogText catalog, DecoderLimits limits) {
        this.catalog = catalog;
        this.limits = limits;
    }

    @Override
    public void open(OpenContext context) {
        decoder = new FrameDecoder(catalog.parse(), limits);
        accepted = getRuntimeContext().getMetricGroup().counter("framesAccepted");
        rejected = getRuntimeContext().getMetricGroup().counter("framesDeadLettered");
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<Frame> out) {
        DecodeResult result = decoder.decode(record, ctx.timerService().currentProcessingTime());
        if (result instanceof DecodeResult.Accepted a) {
            accepted.inc();
            out.collect(a.frame());
        } else {
            DecodeResult.Rejected r = (DecodeResult.Rejected) result;
            rejected.inc();
            ctx.output(DEAD_LETTERS, DeadLetter.of(record, r.code(), r.detail()));
        }
    }
}
