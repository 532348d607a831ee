package io.coedge.operators.pre;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import javax.imageio.ImageIO;

/**
 * Runs a node's pre-processing on synthetic frames before the cameras' frames arrive, so that the
 * first real frames do not pay for class loading, the native decoder's set-up and the JIT.
 *
 * <p>Why: the job's classes come with each job (Flink loads them in the job's own class loader), so
 * every job starts interpreted, and the Vector API resize is hundreds of times slower until C2
 * compiles it. Measured in a fresh JVM on one core of this machine (a 2560x1440 JPEG to a 320x320
 * letterbox): 1052, 123, 86, 89 ms for the first four frames, 13 ms from the fifth on; a 640x360
 * one to 224x224: 836 ms, then 33-95 ms for seven frames, 1.2 ms from the ninth. On the testbed a
 * node's TaskManager runs on a fraction of a core beside its compiler threads, and a new job's
 * first tens of seconds measured that overhead as the node's (its published latencies rose by up to
 * 226 ms), which made the dispatcher move tasks that fit.
 *
 * <p>The frames are blocks of noise (so the decoder and the resize do real work), one per distinct
 * frame size the catalog's tasks of a model send, run {@code runs} times each, round-robin over the
 * sizes, until every size ran that often, the time budget is spent, or the caller stops it.
 */
public final class PreprocessWarmUp {
    /** System property: runs per model and frame size (0 turns the warm-up off). */
    public static final String RUNS_PROPERTY = "coedge.pre.warmUpRuns";

    /** Runs per model and frame size by default: the slowest size above settled by its ninth. */
    public static final int DEFAULT_RUNS = 20;

    /** At most this long in all, whatever the runs: the node's first frames may be waiting. */
    public static final long DEFAULT_BUDGET_NANOS = 15_000_000_000L;

    /** One model and frame size to warm. */
    public record Target(String model, Preprocessor preprocessor, int width, int height) {
        public Target {
            if (width <= 0 || height <= 0) {
                throw new IllegalArgumentException(
                        "a warm-up frame needs a size, got " + width + "x" + height);
            }
        }
    }

    /**
     * What one target's runs took.
     *
     * @param firstMicros the first run (the cold one)
     * @param lastMicros the last run
     * @param error why the target stopped early (its frame failed), or null
     */
    public record Result(
            String model,
            int width,
            int height,
            int runs,
            long firstMicros,
            long lastMicros,
            String error) {
        @Override
        public String toString() {
            return model
                    + " "
                    + width
                    + "x"
                    + height
                    + (runs == 0
                            ? " not run"
                            : String.format(
                                    java.util.Locale.ROOT,
                                    " %.1f -> %.1f ms (%d runs)",
                                    firstMicros / 1000.0,
                                    lastMicros / 1000.0,
                                    runs))
                    + (error == null ? "" : " (" + error + ")");
        }
    }

    private PreprocessWarmUp() {}

    /** {@value #RUNS_PROPERTY} if set (at least 0), else {@value #DEFAULT_RUNS}. */
    public static int runsForNode() {
        return Math.max(0, Integer.getInteger(RUNS_PROPERTY, DEFAULT_RUNS));
    }

    /**
     * Warms every target: round-robin, one run of each in turn, so that a short budget still warms
     * every size a little.
     *
     * @param runs runs per target
     * @param budgetNanos stop starting runs once this long has passed
     * @param stopped polled between runs: true stops the warm-up (the job is closing)
     */
    public static List<Result> run(
            List<Target> targets,
            int runs,
            long budgetNanos,
            DecodeBudget decodeBudget,
            LongSupplier nanoClock,
            BooleanSupplier stopped) {
        int n = targets.size();
        // One synthetic frame per size, shared by the models whose tasks send that size.
        java.util.Map<Long, byte[]> frames = new java.util.HashMap<>();
        int[] done = new int[n];
        long[] first = new long[n];
        long[] last = new long[n];
        String[] errors = new String[n];
        long start = nanoClock.getAsLong();
        boolean more = runs > 0;
        while (more) {
            more = false;
            for (int i = 0; i < n; i++) {
                if (done[i] >= runs || errors[i] != null) {
                    continue;
                }
                if (stopped.getAsBoolean() || nanoClock.getAsLong() - start >= budgetNanos) {
                    return results(targets, done, first, last, errors);
                }
                Target t = targets.get(i);
                long at;
                try {
                    byte[] frame =
                            frames.computeIfAbsent(
                                    ((long) t.width() << 32) | t.height(),
                                    k -> syntheticJpeg(t.width(), t.height(), k));
                    at = nanoClock.getAsLong();
                    t.preprocessor().recycle(t.preprocessor().apply(frame, decodeBudget));
                } catch (ImageDecodeException | RuntimeException e) {
                    errors[i] = e.getMessage();
                    continue;
                }
                long took = (nanoClock.getAsLong() - at) / 1000;
                if (done[i] == 0) {
                    first[i] = took;
                }
                last[i] = took;
                done[i]++;
                more |= done[i] < runs;
            }
        }
        return results(targets, done, first, last, errors);
    }

    private static List<Result> results(
            List<Target> targets, int[] done, long[] first, long[] last, String[] errors) {
        List<Result> out = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            Target t = targets.get(i);
            out.add(
                    new Result(
                            t.model(),
                            t.width(),
                            t.height(),
                            done[i],
                            first[i],
                            last[i],
                            errors[i]));
        }
        return out;
    }

    /** A JPEG of 8x8 blocks of random colours (seeded), the size of a camera's frame. */
    static byte[] syntheticJpeg(int width, int height, long seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        SplittableRandom random = new SplittableRandom(seed);
        int[] block = new int[8 * 8];
        for (int y = 0; y < height; y += 8) {
            for (int x = 0; x < width; x += 8) {
                int w = Math.min(8, width - x);
                int h = Math.min(8, height - y);
                java.util.Arrays.fill(block, 0, w * h, random.nextInt(0x1000000));
                image.setRGB(x, y, w, h, block, 0, w);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "jpg", out)) {
                throw new IllegalStateException("no JPEG writer in this JVM");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
