package io.coedge.operators.batch;

import io.coedge.format.Frame;
import io.coedge.format.FrameResult;
import io.coedge.format.ImageFormat;
import io.coedge.operators.dispatch.RoutedFrame;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * The node batcher in Flink's keyed test harness, and the frames its tests hand it: JPEGs of
 * edge-1's cameras, routed to edge-1 under subtask key 7.
 */
final class BatcherHarness {
    private BatcherHarness() {}

    /** A harness around {@code factory}'s operator, set up but not opened. */
    static KeyedOneInputStreamOperatorTestHarness<Integer, RoutedFrame, FrameResult> of(
            NodeBatcherFactory factory) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(factory, RoutedFrame::key, Types.INT);
    }

    /** A harness around the batcher on {@code config}'s sidecars, opened. */
    static KeyedOneInputStreamOperatorTestHarness<Integer, RoutedFrame, FrameResult> open(
            BatcherConfig config) throws Exception {
        var h = of(new NodeBatcherFactory(config));
        h.open();
        return h;
    }

    /**
     * Frame {@code camera#seq} of {@code task}, captured at {@code captureTs} (epoch ms) with
     * {@code deadlineMs}, a {@code width}x{@code height} JPEG, routed to edge-1 now.
     */
    static RoutedFrame frame(
            String task,
            String camera,
            long seq,
            long captureTs,
            long deadlineMs,
            byte[] jpeg,
            int width,
            int height) {
        Frame f =
                new Frame(
                        camera + "#" + seq,
                        camera,
                        seq,
                        task,
                        "edge-1",
                        captureTs,
                        deadlineMs,
                        ImageFormat.JPEG,
                        width,
                        height,
                        jpeg,
                        "f/0@" + seq);
        return new RoutedFrame(f, "edge-1", 7, System.currentTimeMillis());
    }
}
