package io.coedge.operators.post;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.coedge.format.FrameResult.ClassScore;
import io.coedge.format.FrameResult.Detection;
import io.coedge.operators.pre.Letterbox;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostprocessTest {
    private static final Letterbox IDENTITY = new Letterbox(1, 1, 0, 0, 640, 640);

    /** Output [4 + 2 classes, 4 anchors], channel-major, after {@code pad} leading values. */
    private static float[] yoloOutput(int pad) {
        float[][] anchors = {
            // cx, cy, w, h, score class0, score class1
            {50, 50, 20, 20, 0.90f, 0.10f},
            {52, 50, 20, 20, 0.80f, 0.05f}, // overlaps anchor 0, same class: suppressed
            {52, 50, 20, 20, 0.10f, 0.70f}, // same box, other class: kept
            {300, 300, 40, 10, 0.20f, 0.24f}, // below the 0.25 threshold
        };
        float[] out = new float[pad + 6 * anchors.length];
        for (int a = 0; a < anchors.length; a++) {
            for (int k = 0; k < 6; k++) {
                out[pad + k * anchors.length + a] = anchors[a][k];
            }
        }
        return out;
    }

    @Test
    void yoloKeepsBestBoxPerClassAndDropsLowScores() {
        YoloDecoder decoder = new YoloDecoder(List.of("car", "person"), 0.25, 0.45, 100);

        List<Detection> detections = decoder.decode(yoloOutput(0), 0, 2, 4, IDENTITY);

        assertThat(detections)
                .containsExactly(
                        new Detection("car", 0, 0.9f, 40, 40, 60, 60),
                        new Detection("person", 1, 0.7f, 42, 40, 62, 60));
    }

    @Test
    void yoloReadsTheImagesSliceOfABatchAndMapsToSourcePixels() {
        YoloDecoder decoder = new YoloDecoder(List.of("car", "person"), 0.25, 0.45, 1);
        Letterbox half = new Letterbox(0.5, 0.5, 0, 10, 1280, 1280);

        List<Detection> detections = decoder.decode(yoloOutput(24), 24, 2, 4, half);

        assertThat(detections).containsExactly(new Detection("car", 0, 0.9f, 80, 60, 120, 100));
    }

    @Test
    void suppressionUsesIntersectionOverUnion() {
        float[] x1 = {0, 5, 20};
        float[] y1 = {0, 0, 20};
        float[] x2 = {10, 15, 30};
        float[] y2 = {10, 10, 30};

        assertThat(YoloDecoder.iou(x1, y1, x2, y2, 0, 1)).isCloseTo(50f / 150f, within(1e-6f));
        assertThat(YoloDecoder.iou(x1, y1, x2, y2, 0, 2)).isZero();
    }

    @Test
    void topKIsSoftmaxOrderedByProbability() {
        float[] logits = {9, 0, (float) Math.log(2), (float) Math.log(3)};

        List<ClassScore> top = new TopK(List.of("cat", "dog", "car"), 2).decode(logits, 1, 3);

        assertThat(top).hasSize(2);
        assertThat(top.get(0).label()).isEqualTo("car");
        assertThat(top.get(0).classId()).isEqualTo(2);
        assertThat(top.get(0).score()).isCloseTo(0.5, within(1e-6));
        assertThat(top.get(1).label()).isEqualTo("dog");
        assertThat(top.get(1).score()).isCloseTo(1 / 3.0, within(1e-6));
    }
}
