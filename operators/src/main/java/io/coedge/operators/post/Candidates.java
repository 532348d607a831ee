package io.coedge.operators.post;

import io.coedge.format.FrameResult.Detection;
import io.coedge.operators.pre.Letterbox;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Boxes one image's decoder found above the score threshold, in model-input pixels; selects the
 * ones reported (best first, per-class non-maximum suppression when the model did none) and maps
 * them to source-frame pixels.
 */
final class Candidates {
    private int n;
    private float[] x1 = new float[16];
    private float[] y1 = new float[16];
    private float[] x2 = new float[16];
    private float[] y2 = new float[16];
    private float[] score = new float[16];
    private int[] cls = new int[16];

    void add(float ax1, float ay1, float ax2, float ay2, float s, int c) {
        if (n == score.length) {
            int size = n * 2;
            x1 = Arrays.copyOf(x1, size);
            y1 = Arrays.copyOf(y1, size);
            x2 = Arrays.copyOf(x2, size);
            y2 = Arrays.copyOf(y2, size);
            score = Arrays.copyOf(score, size);
            cls = Arrays.copyOf(cls, size);
        }
        x1[n] = ax1;
        y1[n] = ay1;
        x2[n] = ax2;
        y2[n] = ay2;
        score[n] = Math.min(1f, s);
        cls[n] = c;
        n++;
    }

    int size() {
        return n;
    }

    /**
     * The best {@code max} boxes by score; with {@code nms}, a box overlapping a better one of its
     * class by more than {@code iou} is dropped.
     */
    List<Detection> select(
            boolean nms, float iou, int max, List<String> labels, Letterbox letterbox) {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        final float[] scores = score;
        Arrays.sort(order, (p, q) -> Float.compare(scores[q], scores[p]));
        boolean[] suppressed = new boolean[n];
        List<Detection> kept = new ArrayList<>();
        for (int oi = 0; oi < n && kept.size() < max; oi++) {
            int i = order[oi];
            if (suppressed[i]) {
                continue;
            }
            kept.add(
                    new Detection(
                            cls[i] < labels.size() ? labels.get(cls[i]) : "class-" + cls[i],
                            cls[i],
                            score[i],
                            letterbox.toSourceX(x1[i]),
                            letterbox.toSourceY(y1[i]),
                            letterbox.toSourceX(x2[i]),
                            letterbox.toSourceY(y2[i])));
            if (!nms) {
                continue;
            }
            for (int oj = oi + 1; oj < n; oj++) {
                int j = order[oj];
                if (!suppressed[j] && cls[j] == cls[i] && iou(i, j) > iou) {
                    suppressed[j] = true;
                }
            }
        }
        return kept;
    }

    private float iou(int i, int j) {
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
