package io.coedge.operators.post;

import io.coedge.catalog.ModelSpec;
import io.coedge.format.FrameResult.Detection;
import io.coedge.operators.pre.Letterbox;
import java.util.List;

/**
 * YOLOv8/v11 ({@code postprocess.type: yolov8}, alias {@code yolo}): one output {@code [N, 4 +
 * classes, anchors]}, channel-major (box centre x, centre y, width, height, then one score per
 * class, no objectness), into detections in source-frame pixels with per-class non-maximum
 * suppression.
 */
public final class YoloDecoder implements DetectionDecoder {
    private final List<String> labels;
    private final float confidence;
    private final float iou;
    private final int maxDetections;
    private final String output; // null: the model's only (first) output
    private final float scaleX;
    private final float scaleY;

    public YoloDecoder(List<String> labels, double confidence, double iou, int maxDetections) {
        this(labels, confidence, iou, maxDetections, null, 1, 1);
    }

    YoloDecoder(ModelSpec.Postprocess post, int inputWidth, int inputHeight) {
        this(
                post.labels(),
                post.confidence(),
                post.iou(),
                post.maxDetections(),
                post.outputs().isEmpty() ? null : post.outputs().get(0),
                post.coordinates().equals("normalized") ? inputWidth : 1,
                post.coordinates().equals("normalized") ? inputHeight : 1);
    }

    private YoloDecoder(
            List<String> labels,
            double confidence,
            double iou,
            int maxDetections,
            String output,
            float scaleX,
            float scaleY) {
        this.labels = List.copyOf(labels);
        this.confidence = (float) confidence;
        this.iou = (float) iou;
        this.maxDetections = maxDetections;
        this.output = output;
        this.scaleX = scaleX;
        this.scaleY = scaleY;
    }

    @Override
    public List<Detection> decode(List<OutputTensor> outputs, int image, Letterbox letterbox) {
        OutputTensor t = output == null ? outputs.get(0) : OutputTensor.named(outputs, output);
        if (t.shape().length != 3 || t.shape()[1] < 5) {
            throw new IllegalArgumentException(
                    "yolov8 output " + t + " is not [N, 4 + classes, anchors]");
        }
        int channels = (int) t.shape()[1];
        int anchors = (int) t.shape()[2];
        return decode(t.values(), t.offset(image), channels - 4, anchors, letterbox);
    }

    /**
     * @param out the image's output, channel-major: {@code out[k * anchors + a]}
     * @param offset where the image's output starts in {@code out}
     * @param classes number of classes in the output
     * @param anchors number of anchors
     */
    public List<Detection> decode(
            float[] out, int offset, int classes, int anchors, Letterbox letterbox) {
        Candidates found = new Candidates();
        for (int a = 0; a < anchors; a++) {
            int best = -1;
            float bestScore = confidence;
            for (int c = 0; c < classes; c++) {
                float s = out[offset + (4 + c) * anchors + a];
                if (s >= bestScore) {
                    bestScore = s;
                    best = c;
                }
            }
            if (best < 0) {
                continue;
            }
            float cx = out[offset + a] * scaleX;
            float cy = out[offset + anchors + a] * scaleY;
            float w = out[offset + 2 * anchors + a] * scaleX;
            float h = out[offset + 3 * anchors + a] * scaleY;
            found.add(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, bestScore, best);
        }
        return found.select(true, iou, maxDetections, labels, letterbox);
    }

    static float iou(float[] x1, float[] y1, float[] x2, float[] y2, int i, int j) {
        float iw = Math.min(x2[i], x2[j]) - Math.max(x1[i], x1[j]);
        float ih = Math.min(y2[i], y2[j]) - Math.max(y1[i], y1[j]);
        if (iw <= 0 || ih <= 0) {
            return 0;
        }
        float inter = iw * ih;
        float union = (x2[i] - x1[i]) * (y2[i] - y1[i]) + (x2[j] - x1[j]) * (y2[j] - y1[j]) - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
