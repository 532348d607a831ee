package io.coedge.operators.post;

import io.coedge.catalog.ModelSpec;
import io.coedge.format.FrameResult.Detection;
import io.coedge.operators.pre.Letterbox;
import java.util.ArrayList;
import java.util.List;

/**
 * NanoDet and other GFL heads ({@code postprocess.type: nanodet}). For each stride {@code s} (from
 * {@code postprocess.strides}, default 8, 16, 32) the model answers, per cell of its {@code
 * ceil(H/s) x ceil(W/s)} grid (row-major), class scores (sigmoids applied) and a box distribution:
 * 4 sides (left, top, right, bottom) x {@code regMax + 1} bins. A side's distance is the softmax's
 * expected bin x {@code s}, measured from the cell's anchor {@code ((col + centerOffset) s, (row +
 * centerOffset) s)}; per-class non-maximum suppression over all strides follows.
 *
 * <p>The tensors: per stride a scores {@code [N, cells, C]} and a distribution {@code [N, cells, 4
 * (regMax + 1)]} (NanoDet-m's TensorFlow.js graph: six outputs), named in {@code
 * postprocess.outputs} as scores and distribution per stride in stride order, else found by shape;
 * or one output {@code [N, sum of cells, C + 4 (regMax + 1)]} with every stride's rows one after
 * the other (NanoDet's own ONNX export).
 */
public final class NanoDetDecoder implements DetectionDecoder {
    private final List<String> labels;
    private final float confidence;
    private final float iou;
    private final int maxDetections;
    private final List<String> names;
    private final List<Integer> strides;
    private final int regMax;
    private final float centerOffset;
    private final int width;
    private final int height;

    NanoDetDecoder(ModelSpec.Postprocess post, int inputWidth, int inputHeight) {
        this.labels = post.labels();
        this.confidence = (float) post.confidence();
        this.iou = (float) post.iou();
        this.maxDetections = post.maxDetections();
        this.names = post.outputs();
        this.strides = post.strides();
        this.regMax = post.regMax();
        this.centerOffset = (float) post.centerOffset();
        this.width = inputWidth;
        this.height = inputHeight;
        if (!names.isEmpty() && names.size() != 1 && names.size() != 2 * strides.size()) {
            throw new IllegalArgumentException(
                    "nanodet names 1 output or 2 per stride (scores, distribution), not "
                            + names.size());
        }
    }

    /** Where one stride's rows are: scores and distribution columns of one image. */
    private record Level(
            int stride,
            int gridWidth,
            int cells,
            float[] scores,
            int scoreAt,
            int scoreStride,
            float[] dist,
            int distAt,
            int distStride,
            int classes,
            int bins) {}

    @Override
    public List<Detection> decode(List<OutputTensor> outputs, int image, Letterbox letterbox) {
        Candidates found = new Candidates();
        float[] p = new float[1];
        for (Level l : levels(outputs, image)) {
            if (p.length < l.bins()) {
                p = new float[l.bins()];
            }
            for (int i = 0; i < l.cells(); i++) {
                int s0 = l.scoreAt() + i * l.scoreStride();
                int best = -1;
                float bestScore = confidence;
                for (int c = 0; c < l.classes(); c++) {
                    float s = l.scores()[s0 + c];
                    if (s >= bestScore) {
                        bestScore = s;
                        best = c;
                    }
                }
                if (best < 0) {
                    continue;
                }
                float cx = (i % l.gridWidth() + centerOffset) * l.stride();
                float cy = (i / l.gridWidth() + centerOffset) * l.stride();
                int d0 = l.distAt() + i * l.distStride();
                float left = expected(l.dist(), d0, l.bins(), p) * l.stride();
                float top = expected(l.dist(), d0 + l.bins(), l.bins(), p) * l.stride();
                float right = expected(l.dist(), d0 + 2 * l.bins(), l.bins(), p) * l.stride();
                float bottom = expected(l.dist(), d0 + 3 * l.bins(), l.bins(), p) * l.stride();
                found.add(
                        Math.max(0, cx - left),
                        Math.max(0, cy - top),
                        Math.min(width, cx + right),
                        Math.min(height, cy + bottom),
                        bestScore,
                        best);
            }
        }
        return found.select(true, iou, maxDetections, labels, letterbox);
    }

    /** Expected bin of the softmax over {@code bins} logits from {@code at}. */
    static float expected(float[] v, int at, int bins, float[] scratch) {
        float max = Float.NEGATIVE_INFINITY;
        for (int k = 0; k < bins; k++) {
            max = Math.max(max, v[at + k]);
        }
        double sum = 0;
        double weighted = 0;
        for (int k = 0; k < bins; k++) {
            double e = Math.exp(v[at + k] - max);
            sum += e;
            weighted += k * e;
        }
        return (float) (weighted / sum);
    }

    private int cells(int stride) {
        return ceilDiv(width, stride) * ceilDiv(height, stride);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private List<Level> levels(List<OutputTensor> outputs, int image) {
        List<Level> levels = new ArrayList<>();
        if (names.size() == 1 || (names.isEmpty() && outputs.size() == 1)) {
            OutputTensor t =
                    names.isEmpty() ? outputs.get(0) : OutputTensor.named(outputs, names.get(0));
            int rows = strides.stream().mapToInt(this::cells).sum();
            int row = (int) t.fromEnd(1);
            int bins = regMax > 0 ? regMax + 1 : binsOf(row - labels.size(), t);
            int classes = row - 4 * bins;
            if (t.shape().length != 3 || t.shape()[1] != rows || classes < 1) {
                throw new IllegalArgumentException(
                        "nanodet output " + t + " is not [N, " + rows + ", classes + 4 x bins]");
            }
            int at = t.offset(image);
            for (int s : strides) {
                levels.add(
                        new Level(
                                s,
                                ceilDiv(width, s),
                                cells(s),
                                t.values(),
                                at,
                                row,
                                t.values(),
                                at + classes,
                                row,
                                classes,
                                bins));
                at += cells(s) * row;
            }
            return levels;
        }
        for (int si = 0; si < strides.size(); si++) {
            int s = strides.get(si);
            int cells = cells(s);
            OutputTensor scores;
            OutputTensor dist;
            if (!names.isEmpty()) {
                scores = OutputTensor.named(outputs, names.get(2 * si));
                dist = OutputTensor.named(outputs, names.get(2 * si + 1));
            } else {
                List<OutputTensor> level =
                        outputs.stream()
                                .filter(t -> t.shape().length == 3 && t.shape()[1] == cells)
                                .toList();
                if (level.size() != 2) {
                    throw new IllegalArgumentException(
                            "nanodet: for stride "
                                    + s
                                    + " expected 2 outputs of "
                                    + cells
                                    + " rows among "
                                    + outputs
                                    + "; name them in postprocess.outputs");
                }
                boolean firstIsDist =
                        regMax > 0
                                ? level.get(0).fromEnd(1) == 4L * (regMax + 1)
                                : level.get(1).fromEnd(1) == labels.size();
                scores = level.get(firstIsDist ? 1 : 0);
                dist = level.get(firstIsDist ? 0 : 1);
            }
            int bins = regMax > 0 ? regMax + 1 : binsOf((int) dist.fromEnd(1), dist);
            if (dist.fromEnd(1) != 4L * bins
                    || dist.fromEnd(2) != cells
                    || scores.fromEnd(2) != cells) {
                throw new IllegalArgumentException(
                        "nanodet stride "
                                + s
                                + ": scores "
                                + scores
                                + " and distribution "
                                + dist
                                + " are not [N, "
                                + cells
                                + ", C] and [N, "
                                + cells
                                + ", 4 x "
                                + bins
                                + "]");
            }
            int classes = (int) scores.fromEnd(1);
            levels.add(
                    new Level(
                            s,
                            ceilDiv(width, s),
                            cells,
                            scores.values(),
                            scores.offset(image),
                            classes,
                            dist.values(),
                            dist.offset(image),
                            4 * bins,
                            classes,
                            bins));
        }
        return levels;
    }

    private static int binsOf(int columns, OutputTensor t) {
        if (columns <= 0 || columns % 4 != 0) {
            throw new IllegalArgumentException(
                    "nanodet: cannot tell the distribution's bins from " + t + "; set regMax");
        }
        return columns / 4;
    }
}
