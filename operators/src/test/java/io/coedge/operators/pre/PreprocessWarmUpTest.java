package io.coedge.operators.pre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PreprocessWarmUpTest {

    private static Preprocessor letterbox(int size) {
        return new Preprocessor(
                PreprocessorTest.model(
                        size,
                        size,
                        "letterbox",
                        List.of(0.0, 0.0, 0.0),
                        List.of(1.0, 1.0, 1.0),
                        "RGB"));
    }

    @Test
    void everyModelAndFrameSizeRunsItsRunsAndReportsItsFirstAndLastRun() {
        Preprocessor big = letterbox(64);
        List<PreprocessWarmUp.Target> targets =
                List.of(
                        new PreprocessWarmUp.Target("big", big, 320, 180),
                        new PreprocessWarmUp.Target("big", big, 160, 120),
                        new PreprocessWarmUp.Target("small", letterbox(32), 64, 48));

        List<PreprocessWarmUp.Result> results =
                PreprocessWarmUp.run(
                        targets,
                        3,
                        Long.MAX_VALUE,
                        DecodeBudget.unbounded(),
                        System::nanoTime,
                        () -> false);

        assertThat(results)
                .extracting(r -> r.model() + " " + r.width() + "x" + r.height() + " " + r.runs())
                .containsExactly("big 320x180 3", "big 160x120 3", "small 64x48 3");
        assertThat(results).allSatisfy(r -> assertThat(r.error()).isNull());
        assertThat(results).allSatisfy(r -> assertThat(r.firstMicros()).isPositive());
        assertThat(results).allSatisfy(r -> assertThat(r.lastMicros()).isPositive());
    }

    @Test
    void theTimeBudgetStopsTheWarmUpBetweenRunsAfterEverySizeRanOnce() {
        // A clock that moves a second each time it is read (three reads a run): a budget of 10 s
        // lets the first round (one run per target) through and stops the warm-up in the second.
        AtomicLong now = new AtomicLong();
        Preprocessor p = letterbox(32);
        List<PreprocessWarmUp.Target> targets =
                List.of(
                        new PreprocessWarmUp.Target("a", p, 64, 48),
                        new PreprocessWarmUp.Target("b", p, 48, 64));

        List<PreprocessWarmUp.Result> results =
                PreprocessWarmUp.run(
                        targets,
                        10,
                        10_000_000_000L,
                        DecodeBudget.unbounded(),
                        () -> now.getAndAdd(1_000_000_000L),
                        () -> false);

        assertThat(results).allSatisfy(r -> assertThat(r.runs()).isBetween(1, 2));
        assertThat(results.stream().mapToInt(PreprocessWarmUp.Result::runs).sum()).isLessThan(20);
    }

    @Test
    void aClosingNodeStopsTheWarmUpBeforeItsNextRun() {
        AtomicInteger polls = new AtomicInteger();
        List<PreprocessWarmUp.Target> targets =
                List.of(new PreprocessWarmUp.Target("a", letterbox(32), 64, 48));

        List<PreprocessWarmUp.Result> results =
                PreprocessWarmUp.run(
                        targets,
                        50,
                        Long.MAX_VALUE,
                        DecodeBudget.unbounded(),
                        System::nanoTime,
                        () -> polls.incrementAndGet() > 2);

        assertThat(results.get(0).runs()).isEqualTo(2);
    }

    @Test
    void aSizeItsFrameFailsAtStopsAloneWithTheReasonAndTheOthersRunOn() {
        // A decode budget of 4 KiB: a 32x24 frame fits, a 640x480 one decoded for a 256 input
        // (at half scale, 320x240x3 bytes) cannot.
        Preprocessor p = letterbox(256);
        List<PreprocessWarmUp.Target> targets =
                List.of(
                        new PreprocessWarmUp.Target("large", p, 640, 480),
                        new PreprocessWarmUp.Target("tiny", p, 32, 24));

        List<PreprocessWarmUp.Result> results =
                PreprocessWarmUp.run(
                        targets,
                        3,
                        Long.MAX_VALUE,
                        new DecodeBudget(4096),
                        System::nanoTime,
                        () -> false);

        assertThat(results.get(0).runs()).isZero();
        assertThat(results.get(0).error()).isNotBlank();
        assertThat(results.get(0).toString()).contains("large 640x480 not run");
        assertThat(results.get(1).runs()).isEqualTo(3);
        assertThat(results.get(1).error()).isNull();
    }

    @Test
    void noRunsMeansNoWarmUp() {
        List<PreprocessWarmUp.Result> results =
                PreprocessWarmUp.run(
                        List.of(new PreprocessWarmUp.Target("a", letterbox(32), 64, 48)),
                        0,
                        Long.MAX_VALUE,
                        DecodeBudget.unbounded(),
                        System::nanoTime,
                        () -> false);

        assertThat(results.get(0).runs()).isZero();
        assertThat(results.get(0).error()).isNull();
    }

    @Test
    void theSyntheticFrameIsAJpegOfTheCamerasSize() throws Exception {
        byte[] jpeg = PreprocessWarmUp.syntheticJpeg(200, 90, 7);

        BufferedImage image = ImageIO.read(new ByteArrayInputStream(jpeg));
        assertThat(image.getWidth()).isEqualTo(200);
        assertThat(image.getHeight()).isEqualTo(90);
    }

    @Test
    void aTargetWithoutAFrameSizeIsRefused() {
        assertThatThrownBy(() -> new PreprocessWarmUp.Target("a", letterbox(32), 0, 48))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0x48");
    }
}
