package io.coedge.operators.post;

import io.coedge.catalog.ModelSpec;
import io.coedge.format.FrameResult.Detection;
import io.coedge.operators.pre.Letterbox;
import java.util.List;
import java.util.Locale;

/**
 * Models with non-maximum suppression inside ({@code postprocess.type: end2end}); the boxes are
 * final, only the score threshold and {@code maxDetections} apply. Two forms:
 *
 * <ul>
 *   <li>one output {@code [N, K, 6]}: per row the box corners, score, class;
 *   <li>four outputs (TensorFlow / ONNX / TensorRT style): boxes {@code [N, K, 4]}, scores {@code
 *       [N, K]}, classes {@code [N, K]} and the number of valid rows {@code [N]} or {@code [N, 1]}.
 *       {@code postprocess.outputs} names them in that order; without it they are found by name
 *       (containing {@code box}, {@code score}, {@code class}, {@code num} or {@code count}).
 * </ul>
 *
 * Corners are {@code x1, y1, x2, y2} or, with {@code boxFormat: yxyx}, {@code y1, x1, y2, x2}
 * (TensorFlow's order). Rows with a negative class or a score of 0 are padding.
 */
public final class End2EndDecoder implements DetectionDecoder {
    private final List<String> labels;
    private final float confidence;
    private final int maxDetections;
    private final List<String> names;
    private final boolean yxyx;
    private final float scaleX;
    private final float scaleY;

    End2EndDecoder(ModelSpec.Postprocess post, int inputWidth, int inputHeight) {
        this.labels = post.labels();
        this.confidence = (float) post.confidence();
        this.maxDetections = post.maxDetections();
        this.names = post.outputs();
        if (!names.isEmpty() && names.size() != 1 && names.size() != 4) {
            throw new IllegalArgumentException(
                    "end2end names 1 output ([N, K, 6]) or 4 (boxes, scores, classes, count), not "
                            + names.size());
        }
        this.yxyx = post.boxFormat().equals("yxyx");
        boolean normalized = post.coordinates().equals("normalized");
        this.scaleX = normalized ? inputWidth : 1;
        this.scaleY = normalized ? inputHeight : 1;
    }

    @Override
    public List<Detection> decode(List<OutputTensor> outputs, int image, Letterbox letterbox) {
        Candidates found = new Candidates();
        if (names.size() == 1 || (names.isEmpty() && outputs.size() == 1)) {
            OutputTensor t =
                    names.isEmpty() ? outputs.get(0) : OutputTensor.named(outputs, names.get(0));
            if (t.shape().length != 3 || t.shape()[2] != 6) {
                throw new IllegalArgumentException("end2end output " + t + " is not [N, K, 6]");
            }
            float[] v = t.values();
            int rows = (int) t.shape()[1];
            for (int k = 0, at = t.offset(image); k < rows; k++, at += 6) {
                add(found, v, at, v[at + 4], v[at + 5]);
            }
        } else {
            OutputTensor boxes = role(outputs, 0, "box");
            OutputTensor scores = role(outputs, 1, "score");
            OutputTensor classes = role(outputs, 2, "class");
            OutputTensor count = role(outputs, 3, "num", "count");
            if (boxes.fromEnd(1) != 4 || boxes.perImage() != 4 * scores.perImage()) {
                throw new IllegalArgumentException(
                        "end2end boxes "
                                + boxes
                                + " are not [N, K, 4] with scores "
                                + scores
                                + " [N, K]");
            }
            int rows = Math.min(scores.perImage(), (int) count.values()[count.offset(image)]);
            int b = boxes.offset(image);
            int s = scores.offset(image);
            int c = classes.offset(image);
            for (int k = 0; k < rows; k++) {
                add(
                        found,
                        boxes.values(),
                        b + 4 * k,
                        scores.values()[s + k],
                        classes.values()[c + k]);
            }
        }
        return found.select(false, 1, maxDetections, labels, letterbox);
    }

    private void add(Candidates found, float[] v, int at, float score, float cls) {
        if (score < confidence || score <= 0 || cls < 0) {
            return;
        }
        float a = v[at];
        float b = v[at + 1];
        float c = v[at + 2];
        float d = v[at + 3];
        if (yxyx) {
            found.add(b * scaleX, a * scaleY, d * scaleX, c * scaleY, score, Math.round(cls));
        } else {
            found.add(a * scaleX, b * scaleY, c * scaleX, d * scaleY, score, Math.round(cls));
        }
    }

    private OutputTensor role(List<OutputTensor> outputs, int index, String... words) {
        if (names.size() == 4) {
            return OutputTensor.named(outputs, names.get(index));
        }
        for (OutputTensor t : outputs) {
            String name = t.name().toLowerCase(Locale.ROOT);
            for (String w : words) {
                if (name.contains(w)) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException(
                "end2end: no output named like '"
                        + words[0]
                        + "' among "
                        + outputs
                        + "; name the four outputs in postprocess.outputs (boxes, scores, classes, count)");
    }
}
