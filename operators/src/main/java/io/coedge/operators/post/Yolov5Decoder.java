package io.coedge.operators.post;

import io.coedge.catalog.ModelSpec;
import io.coedge.format.FrameResult.Detection;
import io.coedge.operators.pre.Letterbox;
import java.util.List;

/**
 * YOLOv5/v7 ({@code postprocess.type: yolov5}): one output {@code [N, anchors, 5 + classes]}, row
 * per anchor: box centre x, centre y, width, height, objectness, one score per class, sigmoids
 * already applied. A box's score is objectness x its best class score; per-class non-maximum
 * suppression follows.
 */
public final class Yolov5Decoder implements DetectionDecoder {
    private final List<String> labels;
    private final float confidence;
    private final float iou;
    private final int maxDetections;
    private final String output;
    private final float scaleX;
    private final float scaleY;

    Yolov5Decoder(ModelSpec.Postprocess post, int inputWidth, int inputHeight) {
        this.labels = post.labels();
        this.confidence = (float) post.confidence();
        this.iou = (float) post.iou();
        this.maxDetections = post.maxDetections();
        this.output = post.outputs().isEmpty() ? null : post.outputs().get(0);
        boolean normalized = post.coordinates().equals("normalized");
        this.scaleX = normalized ? inputWidth : 1;
        this.scaleY = normalized ? inputHeight : 1;
    }

    @Override
    public List<Detection> decode(List<OutputTensor> outputs, int image, Letterbox letterbox) {
        OutputTensor t = output == null ? outputs.get(0) : OutputTensor.named(outputs, output);
        if (t.shape().length != 3 || t.shape()[2] < 6) {
            throw new IllegalArgumentException(
                    "yolov5 output " + t + " is not [N, anchors, 5 + classes]");
        }
        int anchors = (int) t.shape()[1];
        int row = (int) t.shape()[2];
        int classes = row - 5;
        float[] out = t.values();
        Candidates found = new Candidates();
        for (int a = 0, at = t.offset(image); a < anchors; a++, at += row) {
            float objectness = out[at + 4];
            if (objectness < confidence) {
                continue; // class scores are at most 1: no class can reach the threshold
            }
            int best = -1;
            float bestScore = confidence;
            for (int c = 0; c < classes; c++) {
                float s = objectness * out[at + 5 + c];
                if (s >= bestScore) {
                    bestScore = s;
                    best = c;
                }
            }
            if (best < 0) {
                continue;
            }
            float cx = out[at] * scaleX;
            float cy = out[at + 1] * scaleY;
            float w = out[at + 2] * scaleX;
            float h = out[at + 3] * scaleY;
            found.add(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, bestScore, best);
        }
        return found.select(true, iou, maxDetections, labels, letterbox);
    }
}
