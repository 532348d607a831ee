package io.coedge.benchmarks;

import io.coedge.catalog.ModelSpec;
import io.coedge.kafka.camera.SceneRenderer;
import io.coedge.operators.pre.ImageDecoder;
import io.coedge.operators.pre.Preprocessor;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/**
 * {@code coedge bench preprocess}: per-frame time from JPEG bytes to a 640x640 letterboxed float32
 * NCHW tensor, one core, at 640x480, 1280x720 and 1920x1080, for three paths in the same run: the
 * node's path (libjpeg-turbo with DCT-domain downscaling, one-pass resize and tensor), the path
 * before it (ImageIO decode + Java2D bilinear letterbox + a CHW loop, kept here as the baseline),
 * and libjpeg-turbo's own {@code djpeg -scale M/N} on the same files (a child process per frame;
 * its start-up, measured on an 8x8 JPEG, is reported and subtracted) and {@code tjbench -scale
 * M/N}, at the DCT scale ours decodes at, and tjbench also at the smallest scale that covers the
 * letterbox where ours decodes at a (faster) power of two instead. Ours runs as the batcher runs
 * it: each tensor is handed back ({@link Preprocessor#recycle}) once read, so its array is reused;
 * and a second time for the same model taking uint8 input, its own column.
 */
public final class PreprocessBench {
    public static final int[][] SIZES = {{640, 480}, {1280, 720}, {1920, 1080}};
    static final int INPUT = 640;

    /** One resolution's figures, milliseconds per frame (medians). */
    public record Row(
            int width,
            int height,
            int frames,
            long meanJpegBytes,
            String scale,
            double oursMs,
            double oursUint8Ms,
            double baselineMs,
            double djpegMs,
            double djpegStartMs,
            double tjbenchMs,
            String smallestScale,
            double tjbenchSmallestMs) {
        /** djpeg's decode alone: its time less a process start. */
        public double djpegDecodeMs() {
            return Math.max(0.001, djpegMs - djpegStartMs);
        }

        public double oursVsDjpeg() {
            return oursMs / djpegDecodeMs();
        }

        /** Ours against libjpeg-turbo's in-process decode of the same files at the same scale. */
        public double oursVsTjbench() {
            return oursMs / tjbenchMs;
        }

        /**
         * Ours against tjbench at the smallest DCT scale that covers the letterbox (where ours
         * decodes at a power of two instead, which libjpeg-turbo decodes faster).
         */
        public double oursVsTjbenchSmallest() {
            return oursMs / tjbenchSmallestMs;
        }

        public double speedup() {
            return baselineMs / oursMs;
        }
    }

    private final Path work;
    private final Consumer<String> progress;
    private final Path video;

    /**
     * @param video a video to take real frames from with ffmpeg, or null for the synthetic street
     */
    public PreprocessBench(Path work, Path video, Consumer<String> progress) {
        this.work = work;
        this.video = video;
        this.progress = progress;
    }

    public String source() {
        return video == null ? "SceneRenderer street (synthetic)" : video.getFileName().toString();
    }

    public List<Row> run(int frames, int rounds) throws Exception {
        ModelSpec model =
                new ModelSpec(
                        "bench",
                        new ModelSpec.InputSpec("images", INPUT, INPUT, 3),
                        new ModelSpec.Preprocess(
                                "letterbox",
                                1.0 / 255.0,
                                List.of(0.0, 0.0, 0.0),
                                List.of(1.0, 1.0, 1.0),
                                "RGB"),
                        new ModelSpec.Postprocess("classification", List.of("x"), 0.25, 0.45, 1),
                        1);
        ImageDecoder decoder = ImageDecoder.system();
        if (!decoder.isNative()) {
            throw new IllegalStateException(
                    "libturbojpeg is not installed (Debian: apt-get install libturbojpeg0)");
        }
        Preprocessor ours = new Preprocessor(model, decoder);
        // The same model taking uint8 input (a quarter of the bytes): its own column.
        Preprocessor oursUint8 =
                new Preprocessor(
                        new ModelSpec(
                                model.name(),
                                new ModelSpec.InputSpec("images", INPUT, INPUT, 3, "NCHW", "uint8"),
                                model.preprocess(),
                                model.postprocess(),
                                model.maxBatch()),
                        decoder);
        Java2dBaseline baseline = new Java2dBaseline(INPUT, INPUT);
        Files.createDirectories(work);
        Path tiny = work.resolve("tiny.jpg");
        Files.write(tiny, jpeg(new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR)));
        List<Row> rows = new ArrayList<>();
        for (int[] size : SIZES) {
            int w = size[0];
            int h = size[1];
            progress.accept(String.format(Locale.ROOT, "%dx%d: preparing %d frames", w, h, frames));
            List<Path> files = frames(w, h, frames);
            List<byte[]> jpegs = new ArrayList<>();
            for (Path f : files) {
                jpegs.add(Files.readAllBytes(f));
            }
            // The scale ours decodes at (djpeg and tjbench run at the same), and the smallest one
            // that covers the letterbox, where tjbench runs too.
            String scale = decoder.dctScale(w, h, new ImageDecoder.Target(INPUT, INPUT, true));
            String smallest = djpegScale(w, h);
            // Warm-up: JIT of both Java paths, the page cache for djpeg.
            for (int i = 0; i < 3; i++) {
                for (byte[] j : jpegs) {
                    sinkFloats(ours, j);
                    sinkBytes(oursUint8, j);
                    sink(baseline.apply(j));
                }
            }
            double[] o = new double[rounds];
            double[] u = new double[rounds];
            double[] b = new double[rounds];
            double[] d = new double[rounds];
            double[] s = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                progress.accept(
                        String.format(Locale.ROOT, "%dx%d: round %d of %d", w, h, r + 1, rounds));
                long t0 = System.nanoTime();
                for (byte[] j : jpegs) {
                    sinkFloats(ours, j);
                }
                long t1 = System.nanoTime();
                for (byte[] j : jpegs) {
                    sink(baseline.apply(j));
                }
                long t2 = System.nanoTime();
                for (Path f : files) {
                    djpeg(scale, f);
                }
                long t3 = System.nanoTime();
                for (int i = 0; i < files.size(); i++) {
                    djpeg("1/1", tiny);
                }
                long t4 = System.nanoTime();
                for (byte[] j : jpegs) {
                    sinkBytes(oursUint8, j);
                }
                long t5 = System.nanoTime();
                u[r] = (t5 - t4) / 1e6 / jpegs.size();
                o[r] = (t1 - t0) / 1e6 / jpegs.size();
                b[r] = (t2 - t1) / 1e6 / jpegs.size();
                d[r] = (t3 - t2) / 1e6 / files.size();
                s[r] = (t4 - t3) / 1e6 / files.size();
            }
            progress.accept(String.format(Locale.ROOT, "%dx%d: tjbench -scale %s", w, h, scale));
            double tj = 0;
            for (Path f : files) {
                tj += tjbench(scale, f);
            }
            double tjSmallest = tj;
            if (!sameScale(scale, smallest)) {
                progress.accept(
                        String.format(Locale.ROOT, "%dx%d: tjbench -scale %s", w, h, smallest));
                tjSmallest = 0;
                for (Path f : files) {
                    tjSmallest += tjbench(smallest, f);
                }
            }
            long meanBytes = (long) jpegs.stream().mapToInt(j -> j.length).average().orElse(0);
            rows.add(
                    new Row(
                            w,
                            h,
                            frames,
                            meanBytes,
                            scale,
                            median(o),
                            median(u),
                            median(b),
                            median(d),
                            median(s),
                            tj / files.size(),
                            smallest,
                            tjSmallest / files.size()));
        }
        return rows;
    }

    private static boolean sameScale(String a, String b) {
        String[] x = a.split("/");
        String[] y = b.split("/");
        return Integer.parseInt(x[0]) * Integer.parseInt(y[1])
                == Integer.parseInt(y[0]) * Integer.parseInt(x[1]);
    }

    /** The smallest DCT scale whose output covers this size's 640 letterbox. */
    static String djpegScale(int w, int h) {
        double s = Math.min((double) INPUT / w, (double) INPUT / h);
        int needW = (int) Math.round(w * s);
        int needH = (int) Math.round(h * s);
        for (int num = 1; num <= 8; num++) {
            if ((w * num + 7) / 8 >= needW && (h * num + 7) / 8 >= needH) {
                return num + "/8";
            }
        }
        return "1/1";
    }

    private List<Path> frames(int w, int h, int count) throws IOException, InterruptedException {
        Path dir = work.resolve(w + "x" + h);
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        if (video != null) {
            Process p =
                    new ProcessBuilder(
                                    "ffmpeg",
                                    "-v",
                                    "error",
                                    "-y",
                                    "-i",
                                    video.toString(),
                                    "-vf",
                                    "select=not(mod(n\\,40)),scale=" + w + ":" + h,
                                    "-vsync",
                                    "vfr",
                                    "-frames:v",
                                    Integer.toString(count),
                                    "-q:v",
                                    "3",
                                    dir.resolve("f%02d.jpg").toString())
                            .redirectErrorStream(true)
                            .start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IOException(
                        "ffmpeg could not take frames from " + video + ": " + out.strip());
            }
            for (int i = 1; i <= count; i++) {
                Path f = dir.resolve(String.format(Locale.ROOT, "f%02d.jpg", i));
                if (Files.exists(f)) {
                    files.add(f);
                }
            }
            if (!files.isEmpty()) {
                return files;
            }
        }
        SceneRenderer scene = new SceneRenderer(11, w, h);
        for (int i = 0; i < count; i++) {
            Path f = dir.resolve(String.format(Locale.ROOT, "s%02d.jpg", i));
            Files.write(f, scene.jpeg(i * 7L, 0.85f));
            files.add(f);
        }
        return files;
    }

    private static void djpeg(String scale, Path file) throws IOException, InterruptedException {
        Process p =
                new ProcessBuilder(
                                "djpeg", "-scale", scale, "-outfile", "/dev/null", file.toString())
                        .redirectErrorStream(true)
                        .start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("djpeg failed on " + file);
        }
    }

    /**
     * libjpeg-turbo's own benchmark: ms per decode of {@code file} at {@code scale} in one process
     * (no start-up, no output file), from its "Frame rate" line.
     */
    private static double tjbench(String scale, Path file)
            throws IOException, InterruptedException {
        Process p =
                new ProcessBuilder(
                                "tjbench",
                                file.toString(),
                                "-scale",
                                scale,
                                "-benchtime",
                                "1",
                                "-warmup",
                                "0.2")
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("tjbench failed on " + file + ": " + out.strip());
        }
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("Decompress\\s+--> Frame rate:\\s+([0-9.]+) fps")
                        .matcher(out);
        if (!m.find()) {
            throw new IOException("tjbench printed no decompression frame rate for " + file);
        }
        return 1000.0 / Double.parseDouble(m.group(1));
    }

    /** Whether djpeg (Debian: libjpeg-turbo-progs) can be started. */
    public static boolean djpegInstalled() {
        try {
            Process p = new ProcessBuilder("djpeg", "-version").redirectErrorStream(true).start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static byte[] jpeg(BufferedImage image) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ImageIO.write(image, "jpg", out);
        return out.toByteArray();
    }

    private static volatile float sunk;

    private static void sink(float[] v) {
        sunk += v[v.length / 2];
    }

    /**
     * One frame through the node's path as the batcher runs it: the tensor is handed back once read
     * (the batcher does so once its batch is done), so the next frame reuses its array.
     */
    private static void sinkFloats(Preprocessor p, byte[] jpeg) throws Exception {
        Preprocessor.Tensor t = p.apply(jpeg);
        sink(t.floats());
        p.recycle(t);
    }

    private static void sinkBytes(Preprocessor p, byte[] jpeg) throws Exception {
        Preprocessor.Tensor t = p.apply(jpeg);
        sunk += t.uint8()[t.uint8().length / 2];
        p.recycle(t);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    public static String markdown(String source, List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("Frames: ")
                .append(source)
                .append(
                        "; 640x640 letterbox, float32 NCHW (uint8 NCHW in the ours uint8 columns), one core, ms per frame (median of rounds); djpeg and tjbench at the DCT scale ours decodes at, and tjbench at the smallest scale that covers the letterbox too\n\n");
        sb.append(
                "| frame | JPEG bytes | DCT scale | ours (libjpeg-turbo + one pass) | before (ImageIO + Java2D) | speed-up | djpeg -scale (process) | djpeg start | djpeg decode | tjbench decode | ours / djpeg decode | ours / tjbench | ours uint8 | ours uint8 / tjbench | smallest covering scale | tjbench there | ours / that |\n");
        sb.append(
                "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n");
        for (Row r : rows) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %dx%d | %,d | %s | %.2f | %.2f | %.1fx | %.2f | %.2f | %.2f | %.2f | %.2fx | %.2fx | %.2f | %.2fx | %s | %.2f | %.2fx |%n",
                            r.width(),
                            r.height(),
                            r.meanJpegBytes(),
                            r.scale(),
                            r.oursMs(),
                            r.baselineMs(),
                            r.speedup(),
                            r.djpegMs(),
                            r.djpegStartMs(),
                            r.djpegDecodeMs(),
                            r.tjbenchMs(),
                            r.oursVsDjpeg(),
                            r.oursVsTjbench(),
                            r.oursUint8Ms(),
                            r.oursUint8Ms() / r.tjbenchMs(),
                            r.smallestScale(),
                            r.tjbenchSmallestMs(),
                            r.oursVsTjbenchSmallest()));
        }
        return sb.toString();
    }

    /**
     * The node's pre-processing before libjpeg-turbo, verbatim in what it does: ImageIO decode at
     * full size, Java2D bilinear letterbox into a BGR image, then CHW floats. The baseline.
     */
    static final class Java2dBaseline {
        private static final Color PAD = new Color(114, 114, 114);
        private final int w;
        private final int h;

        Java2dBaseline(int w, int h) {
            this.w = w;
            this.h = h;
        }

        float[] apply(byte[] encoded) throws IOException {
            BufferedImage source = ImageIO.read(new ByteArrayInputStream(encoded));
            BufferedImage target = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = target.createGraphics();
            g.setRenderingHint(
                    RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            double s = Math.min((double) w / source.getWidth(), (double) h / source.getHeight());
            int nw = Math.max(1, (int) Math.round(source.getWidth() * s));
            int nh = Math.max(1, (int) Math.round(source.getHeight() * s));
            g.setColor(PAD);
            g.fillRect(0, 0, w, h);
            g.drawImage(source, (w - nw) / 2, (h - nh) / 2, nw, nh, null);
            g.dispose();
            byte[] bgr = ((DataBufferByte) target.getRaster().getDataBuffer()).getData();
            int plane = w * h;
            float[] out = new float[3 * plane];
            int[] off = {2, 1, 0};
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < plane; i++) {
                    out[c * plane + i] = (bgr[i * 3 + off[c]] & 0xff) / 255f;
                }
            }
            return out;
        }
    }
}
