package io.coedge.kafka.camera;

import io.coedge.format.FrameHeaders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Produces camera frames to Kafka paced to the wall clock: camera {@code i}'s frame {@code k} is
 * due at {@code start + phase_i + k / fps_i}, so the achieved rate does not drift however long
 * sending takes, and cameras are spread evenly within a period rather than sending in bursts.
 *
 * <p>Each camera cycles through a short loop of pre-rendered frames (or the replayed images), so
 * encoding never competes with pacing; the capture time header is the real send time.
 */
public final class CameraSimulator {

    /**
     * Producer settings for cameras, on top of the connection settings in {@code client}: every
     * frame is sent as soon as it is captured (no linger: Kafka 4's default of 5 ms would wait for
     * more frames, which a camera does not have), idempotent, up to 20 MiB per record.
     */
    public static Properties producerProperties(Properties client) {
        Properties p = new Properties();
        p.putAll(client);
        p.setProperty(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.setProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(20 << 20));
        p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return p;
    }

    /**
     * The CoEdge headers of one frame (docs/FORMATS.md), as every camera of ours sends them.
     *
     * @param captureMillis capture time, epoch ms
     * @param deadline the deadline header's value, or null to leave the task's
     */
    static RecordHeaders headers(
            CameraSpec camera, long captureMillis, long sequence, byte[] deadline) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(FrameHeaders.TASK, camera.task().getBytes(StandardCharsets.UTF_8));
        headers.add(
                FrameHeaders.TIMESTAMP,
                Long.toString(captureMillis).getBytes(StandardCharsets.UTF_8));
        headers.add(FrameHeaders.ORIGIN, camera.origin().getBytes(StandardCharsets.UTF_8));
        headers.add(
                FrameHeaders.SEQUENCE, Long.toString(sequence).getBytes(StandardCharsets.UTF_8));
        if (deadline != null) {
            headers.add(FrameHeaders.DEADLINE_MS, deadline);
        }
        return headers;
    }

    /**
     * @param topic frames topic
     * @param duration stop after this long, or null
     * @param count stop after this many frames in total, or 0 for no limit
     * @param imagesDir replay these JPEG/PNG files instead of drawing scenes, or null
     * @param loopFrames frames rendered per camera before the scene repeats
     * @param seed scene seed
     * @param deadlineMs value of the deadline header, or null to leave the catalog's default
     * @param firstSequence sequence number of every camera's first frame; runs that share a topic
     *     use different ones so that frame identities never repeat
     */
    public record Options(
            String topic,
            Duration duration,
            long count,
            Path imagesDir,
            int loopFrames,
            long seed,
            Long deadlineMs,
            long firstSequence) {

        public Options {
            if (duration == null && count <= 0) {
                throw new IllegalArgumentException(
                        "give a duration or a count, or the cameras never stop");
            }
            if (loopFrames < 1) {
                throw new IllegalArgumentException("loopFrames must be at least 1");
            }
        }
    }

    /** Progress and final figures. */
    public record Report(
            long sent, long acked, long failed, double elapsedSeconds, double targetFps) {
        /** Frames per second actually sent over the run. */
        public double achievedFps() {
            return elapsedSeconds <= 0 ? 0 : sent / elapsedSeconds;
        }

        /** Achieved over target, minus one: 0.01 means 1% fast. */
        public double rateError() {
            return targetFps <= 0 ? 0 : achievedFps() / targetFps - 1;
        }

        public String describe() {
            return String.format(
                    Locale.ROOT,
                    "%d frames in %.1f s = %.1f fps (target %.1f, %+.2f%%), %d acked, %d failed",
                    sent,
                    elapsedSeconds,
                    achievedFps(),
                    targetFps,
                    rateError() * 100,
                    acked,
                    failed);
        }
    }

    private static final class CameraState {
        final CameraSpec spec;
        final byte[] key;
        final byte[][] frames;
        final long periodNanos;
        final long phaseNanos;
        long sequence;

        CameraState(CameraSpec spec, byte[][] frames, long phaseNanos) {
            this.spec = spec;
            this.key = spec.id().getBytes(StandardCharsets.UTF_8);
            this.frames = frames;
            this.periodNanos = Math.round(1e9 / spec.fps());
            this.phaseNanos = phaseNanos;
        }

        long first;

        long dueNanos(long start) {
            return start + phaseNanos + (sequence - first) * periodNanos;
        }
    }

    private final List<CameraSpec> cameras;
    private final Options options;
    private List<CameraState> prepared;
    private FramePartitions partitions = FramePartitions.BY_KEY;

    public CameraSimulator(List<CameraSpec> cameras, Options options) {
        if (cameras.isEmpty()) {
            throw new IllegalArgumentException("no cameras to simulate");
        }
        this.cameras = List.copyOf(cameras);
        this.options = options;
    }

    /**
     * Where frames go among the topic's partitions; by camera key unless set (e.g. {@link
     * OriginRouting}, to the partition read on each camera's origin node).
     */
    public CameraSimulator partitions(FramePartitions partitions) {
        this.partitions = partitions;
        return this;
    }

    public double targetFps() {
        return cameras.stream().mapToDouble(CameraSpec::fps).sum();
    }

    /**
     * Renders (or loads) every camera's frames; call before {@link #run} so that start-up work does
     * not count against pacing.
     */
    public void prepare(Consumer<String> progress) {
        List<byte[]> replay = options.imagesDir() == null ? null : loadImages(options.imagesDir());
        List<CameraState> states = new ArrayList<>();
        double minPeriod = cameras.stream().mapToDouble(c -> 1e9 / c.fps()).min().orElse(1e9);
        for (int i = 0; i < cameras.size(); i++) {
            CameraSpec spec = cameras.get(i);
            byte[][] frames;
            if (replay != null) {
                frames = new byte[replay.size()][];
                for (int f = 0; f < frames.length; f++) {
                    frames[f] = replay.get((f + i) % replay.size());
                }
            } else {
                SceneRenderer renderer =
                        new SceneRenderer(
                                options.seed() * 31 + spec.id().hashCode(),
                                spec.width(),
                                spec.height());
                frames = new byte[options.loopFrames()][];
                for (int f = 0; f < frames.length; f++) {
                    frames[f] = renderer.jpeg(f, 0.85f);
                }
            }
            states.add(new CameraState(spec, frames, Math.round(minPeriod * i / cameras.size())));
            progress.accept(
                    String.format(
                            Locale.ROOT,
                            "prepared camera %d/%d (%s, %d frames)",
                            i + 1,
                            cameras.size(),
                            spec.id(),
                            frames.length));
        }
        prepared = states;
    }

    static List<byte[]> loadImages(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--images " + dir + " is not a directory");
        }
        List<byte[]> images = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
                if (name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png")) {
                    images.add(Files.readAllBytes(file));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read images from " + dir, e);
        }
        if (images.isEmpty()) {
            throw new IllegalArgumentException(
                    "--images " + dir + " holds no .jpg, .jpeg or .png file");
        }
        return images;
    }

    /**
     * Sends frames until the duration or count is reached, then flushes.
     *
     * @param progress called about once a second with the figures so far
     */
    public Report run(Producer<byte[], byte[]> producer, Consumer<Report> progress) {
        if (prepared == null) {
            prepare(message -> {});
        }
        prepared.forEach(
                c -> {
                    c.first = options.firstSequence();
                    c.sequence = c.first;
                });
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<Exception> firstError = new AtomicReference<>();
        long start = System.nanoTime() + 10_000_000L;
        PriorityQueue<CameraState> queue =
                new PriorityQueue<>((a, b) -> Long.compare(a.dueNanos(start), b.dueNanos(start)));
        queue.addAll(prepared);
        long end =
                options.duration() == null ? Long.MAX_VALUE : start + options.duration().toNanos();
        long limit = options.count() > 0 ? options.count() : Long.MAX_VALUE;
        long sent = 0;
        long nextReport = start + 1_000_000_000L;
        double target = targetFps();
        byte[] deadline =
                options.deadlineMs() == null
                        ? null
                        : Long.toString(options.deadlineMs()).getBytes(StandardCharsets.UTF_8);
        while (sent < limit) {
            CameraState camera = queue.poll();
            long dueAt = camera.dueNanos(start);
            if (dueAt >= end) {
                break;
            }
            long now;
            while ((now = System.nanoTime()) < dueAt) {
                LockSupport.parkNanos(dueAt - now);
            }
            RecordHeaders headers =
                    headers(camera.spec, System.currentTimeMillis(), camera.sequence, deadline);
            byte[] image =
                    camera.frames[(int) ((camera.sequence - camera.first) % camera.frames.length)];
            producer.send(
                    new ProducerRecord<>(
                            options.topic(),
                            partitions.partition(camera.spec.origin()),
                            camera.key,
                            image,
                            headers),
                    (metadata, error) -> {
                        if (error == null) {
                            acked.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                            firstError.compareAndSet(null, error);
                        }
                    });
            sent++;
            camera.sequence++;
            queue.add(camera);
            if (now >= nextReport) {
                progress.accept(
                        new Report(sent, acked.get(), failed.get(), (now - start) / 1e9, target));
                nextReport += 1_000_000_000L;
            }
        }
        long finished = System.nanoTime();
        producer.flush();
        double elapsed =
                options.duration() != null && sent < limit
                        ? options.duration().toNanos() / 1e9
                        : (finished - start) / 1e9;
        Report report = new Report(sent, acked.get(), failed.get(), elapsed, target);
        if (firstError.get() != null) {
            throw new IllegalStateException(
                    report.failed()
                            + " of "
                            + report.sent()
                            + " frames were not accepted by Kafka; first error: "
                            + firstError.get().getMessage(),
                    firstError.get());
        }
        return report;
    }
}
