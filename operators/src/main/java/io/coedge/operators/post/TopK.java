package io.coedge.operators.post;

import io.coedge.format.FrameResult.ClassScore;
import java.util.ArrayList;
import java.util.List;

/** Softmax over one image's logits and its k most probable classes. */
public final class TopK {
    private final List<String> labels;
    private final int k;

    public TopK(List<String> labels, int k) {
        this.labels = List.copyOf(labels);
        this.k = k;
    }

    /**
     * @param logits the image's logits start at {@code offset}, {@code classes} of them
     */
    public List<ClassScore> decode(float[] logits, int offset, int classes) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, logits[offset + c]);
        }
        double[] p = new double[classes];
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            p[c] = Math.exp(logits[offset + c] - max);
            sum += p[c];
        }
        boolean[] taken = new boolean[classes];
        List<ClassScore> top = new ArrayList<>();
        for (int r = 0; r < Math.min(k, classes); r++) {
            int best = -1;
            for (int c = 0; c < classes; c++) {
                if (!taken[c] && (best < 0 || p[c] > p[best])) {
                    best = c;
                }
            }
            taken[best] = true;
            top.add(
                    new ClassScore(
                            best < labels.size() ? labels.get(best) : "class-" + best,
                            best,
                            p[best] / sum));
        }
        return top;
    }
}
