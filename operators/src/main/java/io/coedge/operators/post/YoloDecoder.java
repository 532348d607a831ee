package io.coedge.operators.post;

import io.coedge.format.FrameResult.Detection;
import io.coedge.operators.pre.Letterbox;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes one image's YOLOv8-layout output {@code [4 + classes, anchors]} (box centre x, centre y,
 * width, height in model-input pixels, then one score per class) into detections in source-frame
 * pixels, with per-class non-maximum suppression.
 */
public final class YoloDecoder {
    private final List<String> labels;
    private final float confidence;
    private final float iou;
    private final int maxDetections;

    public YoloDecoder(List<String> labels, double confidence, double iou, int maxDetections) {
        this.labels = List.copyOf(labels);
        this.confidence = (float) confidence;
        this.iou = (float) iou;
        this.maxDetections = maxDetections;
    }

    /**
     * @param out the image's output, channel-major: {@code out[k * anchors + a]}
     * @param offset where the image's output starts in {@code out}
     * @param classes number of classes in the output
     * @param anchors number of anchors
     */
    public List<Detection> decode(
            float[] out, int offset, int classes, int anchors, Letterbox letterbox) {
        int n = 0;
        float[] x1 = new float[16];
        float[] y1 = new float[16];
        float[] x2 = new float[16];
        float[] y2 = new float[16];
        float[] score = new float[16];
        int[] cls = new int[16];
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
            if (n == score.length) {
                int size = n * 2;
                x1 = Arrays.copyOf(x1, size);
                y1 = Arrays.copyOf(y1, size);
                x2 = Arrays.copyOf(x2, size);
                y2 = Arrays.copyOf(y2, size);
                score = Arrays.copyOf(score, size);
                cls = Arrays.copyOf(cls, size);
            }
            float cx = out[offset + a];
            float cy = out[offset + anchors + a];
            float w = out[offset + 2 * anchors + a];
            float h = out[offset + 3 * anchors + a];
            x1[n] = cx - w / 2;
            y1[n] = cy - h / 2;
            x2[n] = cx + w / 2;
            y2[n] = cy + h / 2;
            score[n] = Math.min(1f, bestScore);
            cls[n] = best;
            n++;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        final float[] scores = score;
        Arrays.sort(order, (p, q) -> Float.compare(scores[q], scores[p]));
        boolean[] suppressed = new boolean[n];
        List<Detection> kept = new ArrayList<>();
        for (int oi = 0; oi < n && kept.size() < maxDetections; oi++) {
            int i = order[oi];
            if (suppressed[i]) {
                continue;
            }
            kept.add(
                    new Detection(
                            label(cls[i]),
                            cls[i],
                            score[i],
                            letterbox.toSourceX(x1[i]),
                            letterbox.toSourceY(y1[i]),
                            letterbox.toSourceX(x2[i]),
                            letterbox.toSourceY(y2[i])));
            for (int oj = oi + 1; oj < n; oj++) {
                int j = order[oj];
                if (!suppressed[j] && cls[j] == cls[i] && iou(x1, y1, x2, y2, i, j) > iou) {
                    suppressed[j] = true;
                }
            }
        }
        return kept;
    }

    private String label(int c) {
        return c < labels.size() ? labels.get(c) : "class-" + c;
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
