package io.coedge.operators.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.format.NodeStatus;
import org.junit.jupiter.api.Test;

/** The node's measurement of each task's frame size: a mean over a window, while fresh. */
class FrameSizesTest {
    @Test
    void nothingArrivedPublishesNothing() {
        assertThat(new FrameSizes().published(1_000)).isNull();
    }

    @Test
    void eachTaskPublishesTheMeanOfItsLatestFramesAndWhenTheLastCame() {
        FrameSizes sizes = new FrameSizes();
        sizes.arrived("t1", 1_000, 100);
        sizes.arrived("t1", 3_000, 200);
        sizes.arrived("t2", 50, 150);

        assertThat(sizes.published(300))
                .containsOnlyKeys("t1", "t2")
                .containsEntry("t1", new NodeStatus.FrameBytes(2_000, 2, 200))
                .containsEntry("t2", new NodeStatus.FrameBytes(50, 1, 150));
    }

    @Test
    void theMeanFollowsTheLatestWindowOfFrames() {
        FrameSizes sizes = new FrameSizes();
        for (int i = 0; i < FrameSizes.WINDOW; i++) {
            sizes.arrived("t", 700_000, i);
        }
        for (int i = 0; i < FrameSizes.WINDOW; i++) {
            sizes.arrived("t", 70_000, 1_000 + i);
        }
        assertThat(sizes.published(2_000).get("t"))
                .isEqualTo(new NodeStatus.FrameBytes(70_000, FrameSizes.WINDOW, 1_063));
        sizes.arrived("t", 70_000 + FrameSizes.WINDOW, 1_100);
        assertThat(sizes.published(2_000).get("t").meanBytes()).isEqualTo(70_001);
    }

    @Test
    void aTaskWithoutAFrameForAMinuteIsNoLongerPublished() {
        FrameSizes sizes = new FrameSizes();
        sizes.arrived("gone", 1_000, 0);
        sizes.arrived("here", 1_000, 50_000);
        assertThat(sizes.published(FrameSizes.FRESH_MS)).containsOnlyKeys("gone", "here");
        assertThat(sizes.published(FrameSizes.FRESH_MS + 1)).containsOnlyKeys("here");
    }
}
