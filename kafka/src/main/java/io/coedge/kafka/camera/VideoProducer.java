package io.coedge.kafka.camera;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Cameras from video files and network streams (RTSP, HTTP, ...): the system's {@code ffmpeg}
 * decodes each source and re-encodes every frame as JPEG ({@code -f image2pipe -c:v mjpeg}), so
 * this JVM never decodes or encodes a pixel; {@link JpegSplitter} cuts its stdout into frames,
 * which go to Kafka with the CoEdge headers exactly as {@link CameraSimulator} sends them.
 *
 * <p>Why a child process and not a Java binding: FFmpeg through Maven (JavaCV/bytedeco) ships about
 * 100 MB of native libraries per platform, while the distribution's {@code ffmpeg} is the well-kept
 * tool that camera people already use and can emit JPEG directly.
 *
 * <p>Files are paced by {@link FramePacer} to the stream's frame rate (ffprobe's average rate, made
 * constant with ffmpeg's {@code fps} filter) or {@code --fps}; the capture time is when the frame
 * is released. A file that ends stops its camera unless it loops ({@code -stream_loop -1}). Network
 * streams pace themselves: the capture time is when the frame is read; when the stream ends, fails
 * or stalls, ffmpeg is started again with exponential back-off. Frames that ffmpeg decoded but that
 * could not be sent (the send queue was full: Kafka is slower than the camera) are counted as
 * dropped, Kafka's refusals as failed; nothing is lost without a count. Every ffmpeg is destroyed
 * when the run ends, and by a shutdown hook when the JVM exits first.
 */
public final class VideoProducer {

    /** One video source and the camera it plays. */
    public record Source(String input, CameraSpec camera) {}

    /**
     * @param topic frames topic
     * @param duration stop after this long, or null (files: at their end; loops and streams: never)
     * @param count stop after this many frames in total, or 0
     * @param loop play files again from the start when they end
     * @param fps frames per second per camera, or null for the stream's own rate
     * @param quality ffmpeg's JPEG quality scale {@code -q:v}, 2 (best) to 31
     * @param maxWidth downscale frames wider than this (keeping the aspect ratio), or null
     * @param deadlineMs value of the deadline header, or null to leave the task's
     * @param firstSequence sequence number of every camera's first frame
     * @param ffmpeg the ffmpeg executable (ffprobe is looked up beside it)
     */
    public record Options(
            String topic,
            Duration duration,
            long count,
            boolean loop,
            Double fps,
            int quality,
            Integer maxWidth,
            Long deadlineMs,
            long firstSequence,
            String ffmpeg) {}

    /** A video that cannot be played, with a sentence for people. */
    public static final class VideoException extends RuntimeException {
        public VideoException(String message) {
            super(message);
        }
    }

    /** One camera's figures. */
    public record CameraReport(
            String camera,
            String input,
            double targetFps,
            long decoded,
            long sent,
            long acked,
            long failed,
            long dropped,
            int reconnects,
            double lateMaxMs,
            String lastError) {}

    /** The run's figures so far, or final. */
    public record Report(List<CameraReport> cameras, double elapsedSeconds) {
        public long sent() {
            return cameras.stream().mapToLong(CameraReport::sent).sum();
        }

        public long acked() {
            return cameras.stream().mapToLong(CameraReport::acked).sum();
        }

        public long failed() {
            return cameras.stream().mapToLong(CameraReport::failed).sum();
        }

        public long dropped() {
            return cameras.stream().mapToLong(CameraReport::dropped).sum();
        }

        public long decoded() {
            return cameras.stream().mapToLong(CameraReport::decoded).sum();
        }

        public int reconnects() {
            return cameras.stream().mapToInt(CameraReport::reconnects).sum();
        }

        public double targetFps() {
            return cameras.stream().mapToDouble(CameraReport::targetFps).sum();
        }

        public double achievedFps() {
            return elapsedSeconds <= 0 ? 0 : sent() / elapsedSeconds;
        }

        public String describe() {
            String target =
                    targetFps() > 0
                            ? String.format(
                                    Locale.ROOT,
                                    " (target %.2f, %+.2f%%)",
                                    targetFps(),
                                    (achievedFps() / targetFps() - 1) * 100)
                            : "";
            return String.format(
                    Locale.ROOT,
                    "%d frames in %.1f s = %.2f fps%s, %d acked, %d failed, %d dropped, %d reconnects",
                    sent(),
                    elapsedSeconds,
                    achievedFps(),
                    target,
                    acked(),
                    failed(),
                    dropped(),
                    reconnects());
        }
    }

    private static final Pattern NETWORK = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://.*");
    private static final int QUEUE = 64;
    private static final int MAX_IMAGE = 32 << 20;
    static final long BACKOFF_FIRST_MS = 500;
    static final long BACKOFF_MAX_MS = 5_000;
    static final long STALL_MS = 10_000;

    private final List<Source> sources;
    private final Options options;
    private final FramePacer.Clock clock;
    private final Set<Process> processes = ConcurrentHashMap.newKeySet();
    private final List<Camera> cameras = new ArrayList<>();
    private volatile boolean stopping;
    private volatile Consumer<String> events = message -> {};
    private final AtomicLong claimed = new AtomicLong();
    private final CountDownLatch stop = new CountDownLatch(1);

    private volatile FramePartitions partitions = FramePartitions.BY_KEY;

    /**
     * Where frames go among the topic's partitions; by camera key unless set (e.g. {@link
     * OriginRouting}, to the partition read on each camera's origin node).
     */
    public VideoProducer partitions(FramePartitions partitions) {
        this.partitions = partitions;
        return this;
    }

    public VideoProducer(List<Source> sources, Options options) {
        this(sources, options, FramePacer.Clock.SYSTEM);
    }

    VideoProducer(List<Source> sources, Options options, FramePacer.Clock clock) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("no video to play");
        }
        this.sources = List.copyOf(sources);
        this.options = options;
        this.clock = clock;
    }

    /** True for {@code scheme://...} inputs other than {@code file://}: live streams. */
    public static boolean isNetwork(String input) {
        return NETWORK.matcher(input).matches() && !input.regionMatches(true, 0, "file://", 0, 7);
    }

    /** Back-off before reconnect attempt {@code attempt} (1, 2, ...): 0.5 s doubling to 5 s. */
    static long backoffMillis(int attempt) {
        long d = BACKOFF_FIRST_MS << Math.min(attempt - 1, 16);
        return Math.min(d, BACKOFF_MAX_MS);
    }

    /**
     * Checks that ffmpeg runs and that every file opens and has a video stream, and reads each
     * file's frame rate.
     *
     * @throws VideoException with a one-line reason
     */
    public void prepare(Consumer<String> progress) {
        ffmpegVersion();
        for (Source source : sources) {
            double fps;
            if (isNetwork(source.input())) {
                fps = options.fps() == null ? 0 : options.fps();
                progress.accept(source.camera().id() + ": " + source.input() + " (live)");
            } else {
                Path file = Paths.get(source.input());
                if (!Files.isRegularFile(file)) {
                    throw new VideoException(
                            "cannot open video " + source.input() + ": no such file");
                }
                Probe probe = probe(source.input());
                fps = options.fps() == null ? probe.fps : options.fps();
                progress.accept(
                        String.format(
                                Locale.ROOT,
                                "%s: %s (%s %dx%d at %.3f fps; sending %.3f fps)",
                                source.camera().id(),
                                source.input(),
                                probe.codec,
                                probe.width,
                                probe.height,
                                probe.fps,
                                fps));
            }
            cameras.add(new Camera(source, fps));
        }
    }

    /** The ffmpeg command line for one source. */
    List<String> command(String input, double fps, boolean live) {
        List<String> cmd = new ArrayList<>();
        cmd.add(options.ffmpeg());
        cmd.addAll(List.of("-nostdin", "-hide_banner", "-nostats", "-loglevel", "error"));
        if (live && input.regionMatches(true, 0, "rtsp", 0, 4)) {
            cmd.addAll(List.of("-timeout", Long.toString(STALL_MS * 1000)));
        }
        if (!live && options.loop()) {
            cmd.addAll(List.of("-stream_loop", "-1"));
        }
        cmd.addAll(List.of("-i", input, "-map", "0:v:0", "-an", "-sn", "-dn"));
        List<String> filters = new ArrayList<>();
        if (fps > 0 && (!live || options.fps() != null)) {
            filters.add("fps=" + String.format(Locale.ROOT, "%.6f", fps));
        }
        if (options.maxWidth() != null) {
            filters.add("scale=w='min(iw," + options.maxWidth() + ")':h=-2");
        }
        if (!filters.isEmpty()) {
            cmd.addAll(List.of("-vf", String.join(",", filters)));
        }
        cmd.addAll(
                List.of(
                        "-c:v",
                        "mjpeg",
                        "-q:v",
                        Integer.toString(options.quality()),
                        "-pix_fmt",
                        "yuvj420p",
                        "-f",
                        "image2pipe",
                        "pipe:1"));
        return cmd;
    }

    /**
     * Plays every source until the duration or count is reached, every file has ended, or {@link
     * #stop()}; flushes the producer.
     *
     * @param progress called about once a second with the figures so far
     * @param events one line per stream loss and reconnect
     * @throws VideoException when a file fails mid-way (its reason), after stopping everything
     */
    public Report run(
            Producer<byte[], byte[]> producer, Consumer<Report> progress, Consumer<String> events) {
        if (cameras.isEmpty()) {
            prepare(message -> {});
        }
        this.events = events;
        Thread hook = new Thread(this::destroyAll, "coedge-video-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        long start = clock.nanoTime() + 20_000_000L;
        long end =
                options.duration() == null ? Long.MAX_VALUE : start + options.duration().toNanos();
        byte[] deadline =
                options.deadlineMs() == null
                        ? null
                        : Long.toString(options.deadlineMs()).getBytes(StandardCharsets.UTF_8);
        List<Thread> threads = new ArrayList<>();
        for (Camera c : cameras) {
            c.pacer = new FramePacer(c.live ? 0 : c.fps, clock, start, end);
            Thread reader = new Thread(() -> c.read(), "video-" + c.spec.id());
            Thread sender = new Thread(() -> c.send(producer, deadline), "send-" + c.spec.id());
            reader.setDaemon(true);
            sender.setDaemon(true);
            threads.add(reader);
            threads.add(sender);
            c.reader = reader;
        }
        threads.forEach(Thread::start);
        try {
            long nextReport = start + 1_000_000_000L;
            long grace = Long.MAX_VALUE;
            while (!stopping && cameras.stream().anyMatch(c -> !c.finished)) {
                long now = clock.nanoTime();
                if (now >= end && grace == Long.MAX_VALUE) {
                    // streams end now; files end by their pacer (no frame due after the end),
                    // sending what was due before it, within a grace period
                    grace = now + 30_000_000_000L;
                    for (Camera c : cameras) {
                        if (c.live) {
                            c.paceEnded = true;
                            c.destroy();
                            c.reader.interrupt();
                        }
                    }
                }
                if (now >= grace) {
                    break;
                }
                long wait = Math.min(nextReport - now, 200_000_000L);
                if (stop.await(Math.max(wait, 1), TimeUnit.NANOSECONDS)) {
                    break;
                }
                if (clock.nanoTime() >= nextReport) {
                    progress.accept(report(start, clock.nanoTime()));
                    nextReport += 1_000_000_000L;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopping = true;
            destroyAll();
            for (Camera c : cameras) {
                c.reader.interrupt();
            }
            for (Thread t : threads) {
                try {
                    t.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            producer.flush();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or ran
            }
        }
        long finished = Math.min(clock.nanoTime(), end);
        Report report = report(start, Math.max(finished, start));
        for (Camera c : cameras) {
            if (c.fatal != null) {
                throw new VideoException(c.fatal);
            }
        }
        return report;
    }

    /** Ends the run (from another thread, e.g. on SIGINT). */
    public void stop() {
        stopping = true;
        stop.countDown();
    }

    /** Figures so far; time counts from the first frame released (not ffmpeg's start-up). */
    private Report report(long start, long now) {
        List<CameraReport> list = new ArrayList<>();
        long from = Long.MAX_VALUE;
        for (Camera c : cameras) {
            list.add(c.report());
            if (c.firstNanos != 0) {
                from = Math.min(from, c.firstNanos);
            }
        }
        return new Report(list, Math.max(0, now - (from == Long.MAX_VALUE ? start : from)) / 1e9);
    }

    private void destroyAll() {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(3, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private record Frame(byte[] jpeg, long captureMillis, long sequence) {}

    private final class Camera {
        final String input;
        final CameraSpec spec;
        final double fps;
        final boolean live;
        final byte[] key;
        final BlockingQueue<Frame> queue = new ArrayBlockingQueue<>(QUEUE);
        final AtomicLong decoded = new AtomicLong();
        final AtomicLong sent = new AtomicLong();
        final AtomicLong acked = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong dropped = new AtomicLong();
        final AtomicReference<String> lastError = new AtomicReference<>();
        volatile int reconnects;
        volatile boolean finished;
        volatile String fatal;
        volatile long lastFrameNanos;
        volatile long firstNanos;
        FramePacer pacer;
        Thread reader;
        long sequence;
        volatile boolean paceEnded;
        volatile Process process;

        void destroy() {
            Process p = process;
            if (p != null) {
                p.destroy();
            }
        }

        Camera(Source source, double fps) {
            this.input = source.input();
            this.spec = source.camera();
            this.fps = fps;
            this.live = isNetwork(input);
            this.key = spec.id().getBytes(StandardCharsets.UTF_8);
            this.sequence = options.firstSequence();
        }

        CameraReport report() {
            return new CameraReport(
                    spec.id(),
                    input,
                    fps,
                    decoded.get(),
                    sent.get(),
                    acked.get(),
                    failed.get(),
                    dropped.get(),
                    reconnects,
                    pacer == null ? 0 : pacer.lateNanosMax() / 1e6,
                    lastError.get());
        }

        /** Runs ffmpeg (again, for streams) until the end; hands frames to the sender. */
        void read() {
            int failures = 0;
            try {
                while (!stopping && !paceEnded) {
                    long before = decoded.get();
                    Connection result = connectOnce();
                    if (stopping || paceEnded) {
                        break;
                    }
                    if (!live) {
                        if (result.exit != 0) {
                            fatal = "video " + input + ": " + result.reason;
                            stop();
                        }
                        break;
                    }
                    failures = decoded.get() > before ? 1 : failures + 1;
                    long delay = backoffMillis(failures);
                    lastError.set(result.reason);
                    events.accept(
                            String.format(
                                    Locale.ROOT,
                                    "camera %s: stream %s %s; reconnecting in %.1f s",
                                    spec.id(),
                                    input,
                                    result.reason,
                                    delay / 1000.0));
                    Thread.sleep(delay);
                    reconnects++;
                }
            } catch (InterruptedException e) {
                // stopping
            } catch (RuntimeException e) {
                fatal = "video " + input + ": " + e;
                stop();
            } finally {
                finished = true;
                if (cameras.stream().allMatch(c -> c.finished)) {
                    stop.countDown();
                }
            }
        }

        private record Connection(int exit, String reason) {}

        private Connection connectOnce() throws InterruptedException {
            ProcessBuilder pb = new ProcessBuilder(command(input, fps, live));
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                return new Connection(-1, "ffmpeg could not be started: " + e.getMessage());
            }
            processes.add(p);
            process = p;
            Deque<String> errors = new ArrayDeque<>();
            Thread stderr = new Thread(() -> drain(p.getErrorStream(), errors), "ffmpeg-stderr");
            stderr.setDaemon(true);
            stderr.start();
            lastFrameNanos = System.nanoTime();
            Thread watchdog = null;
            AtomicReference<String> stalled = new AtomicReference<>();
            if (live) {
                watchdog =
                        new Thread(
                                () -> {
                                    try {
                                        while (p.isAlive()) {
                                            Thread.sleep(500);
                                            if (System.nanoTime() - lastFrameNanos
                                                    > STALL_MS * 1_000_000L) {
                                                stalled.set(
                                                        "stalled: no frame for "
                                                                + STALL_MS / 1000
                                                                + " s");
                                                p.destroy();
                                                return;
                                            }
                                        }
                                    } catch (InterruptedException e) {
                                        // done
                                    }
                                },
                                "ffmpeg-watchdog");
                watchdog.setDaemon(true);
                watchdog.start();
            }
            JpegSplitter splitter = new JpegSplitter(this::onFrame, MAX_IMAGE);
            byte[] buffer = new byte[1 << 16];
            String failure = null;
            try (InputStream in = p.getInputStream()) {
                int n;
                while (!stopping && !paceEnded && (n = in.read(buffer)) >= 0) {
                    splitter.feed(buffer, 0, n);
                }
            } catch (IOException e) {
                failure = e.getMessage();
            } catch (IllegalStateException e) {
                failure = e.getMessage();
            } catch (PacedInterrupt e) {
                throw new InterruptedException();
            } finally {
                if (p.isAlive()) {
                    p.destroy();
                }
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
                processes.remove(p);
                if (watchdog != null) {
                    watchdog.interrupt();
                }
                stderr.join(2_000);
            }
            String reason;
            synchronized (errors) {
                reason = errors.isEmpty() ? null : String.join("; ", errors);
            }
            if (stalled.get() != null) {
                reason = stalled.get();
            } else if (failure != null) {
                reason = failure;
            } else if (reason == null) {
                reason = p.exitValue() == 0 ? "ended" : "ffmpeg exited with " + p.exitValue();
            } else {
                reason = "failed: " + reason;
            }
            return new Connection(stalled.get() != null ? -2 : p.exitValue(), reason);
        }

        private void onFrame(byte[] jpeg) {
            lastFrameNanos = System.nanoTime();
            decoded.incrementAndGet();
            if (stopping || paceEnded) {
                return;
            }
            long released;
            try {
                released = pacer.awaitNext();
            } catch (InterruptedException e) {
                throw new PacedInterrupt();
            }
            if (released < 0) {
                paceEnded = true;
                return;
            }
            if (firstNanos == 0) {
                firstNanos = released;
            }
            if (options.count() > 0 && claimed.incrementAndGet() > options.count()) {
                paceEnded = true;
                stop();
                return;
            }
            Frame frame = new Frame(jpeg, System.currentTimeMillis(), sequence++);
            if (live) {
                if (!queue.offer(frame)) {
                    dropped.incrementAndGet();
                }
            } else {
                try {
                    queue.put(frame);
                } catch (InterruptedException e) {
                    throw new PacedInterrupt();
                }
            }
        }

        /** Sends queued frames until the reader has ended and the queue is empty. */
        void send(Producer<byte[], byte[]> producer, byte[] deadline) {
            try {
                while (true) {
                    Frame f = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (f == null) {
                        if (finished && queue.isEmpty()) {
                            return;
                        }
                        continue;
                    }
                    try {
                        producer.send(
                                new ProducerRecord<>(
                                        options.topic(),
                                        partitions.partition(spec.origin()),
                                        key,
                                        f.jpeg,
                                        CameraSimulator.headers(
                                                spec, f.captureMillis, f.sequence, deadline)),
                                (metadata, error) -> {
                                    if (error == null) {
                                        acked.incrementAndGet();
                                    } else {
                                        failed.incrementAndGet();
                                        lastError.compareAndSet(null, error.getMessage());
                                    }
                                });
                        sent.incrementAndGet();
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                        lastError.set(e.getMessage());
                    }
                }
            } catch (InterruptedException e) {
                // interrupted: frames still queued are counted as dropped
            } finally {
                while (queue.poll() != null) {
                    dropped.incrementAndGet();
                }
            }
        }
    }

    private static final class PacedInterrupt extends RuntimeException {}

    private static void drain(InputStream in, Deque<String> last) {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String t = line.strip();
                if (t.isEmpty()) {
                    continue;
                }
                synchronized (last) {
                    last.addLast(t);
                    while (last.size() > 3) {
                        last.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            // process gone
        }
    }

    private String ffprobe() {
        Path ff = Paths.get(options.ffmpeg());
        Path dir = ff.getParent();
        return dir == null ? "ffprobe" : dir.resolve("ffprobe").toString();
    }

    private void ffmpegVersion() {
        Output out = exec(List.of(options.ffmpeg(), "-hide_banner", "-version"), "ffmpeg");
        if (out.exit != 0) {
            throw new VideoException(options.ffmpeg() + " -version failed: " + firstLine(out.text));
        }
    }

    private record Output(int exit, String text) {}

    private static Output exec(List<String> command, String what) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] bytes = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return new Output(p.exitValue(), new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new VideoException(
                    what
                            + " not found ("
                            + command.get(0)
                            + "): install FFmpeg, e.g. apt-get install ffmpeg, or put it on the PATH");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VideoException("interrupted while running " + what);
        }
    }

    private static String firstLine(String text) {
        return text.strip().lines().findFirst().orElse("no output");
    }

    record Probe(String codec, int width, int height, double fps) {}

    Probe probe(String file) {
        Output out =
                exec(
                        List.of(
                                ffprobe(),
                                "-v",
                                "error",
                                "-select_streams",
                                "v:0",
                                "-show_entries",
                                "stream=codec_name,width,height,avg_frame_rate,r_frame_rate",
                                "-of",
                                "default=noprint_wrappers=1",
                                file),
                        "ffprobe");
        if (out.exit != 0) {
            // ffprobe ends with "<file>: <reason>"; component lines ("[mov @ 0x..] ...") before it
            List<String> lines = out.text.strip().lines().toList();
            String reason =
                    lines.stream()
                            .filter(l -> l.startsWith(file + ": "))
                            .map(l -> l.substring(file.length() + 2))
                            .reduce((a, b) -> b)
                            .orElse(
                                    lines.isEmpty()
                                            ? "ffprobe exited with " + out.exit
                                            : lines.get(lines.size() - 1)
                                                    .replaceFirst("^\\[[^]]*\\] ", ""));
            throw new VideoException("cannot open video " + file + ": " + reason);
        }
        String codec = null;
        int width = 0;
        int height = 0;
        double avg = 0;
        double r = 0;
        for (String line : out.text.lines().toList()) {
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String k = line.substring(0, eq);
            String v = line.substring(eq + 1).strip();
            switch (k) {
                case "codec_name" -> codec = v;
                case "width" -> width = parseInt(v);
                case "height" -> height = parseInt(v);
                case "avg_frame_rate" -> avg = rational(v);
                case "r_frame_rate" -> r = rational(v);
                default -> {}
            }
        }
        if (codec == null) {
            throw new VideoException("cannot play " + file + ": it has no video stream");
        }
        double fps = avg > 0 && avg < 1000 ? avg : r;
        if (!(fps > 0 && fps < 1000)) {
            throw new VideoException("cannot tell the frame rate of " + file + "; give --fps");
        }
        return new Probe(codec, width, height, fps);
    }

    private static int parseInt(String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** {@code 30000/1001} or {@code 25} as a number; 0 when unknown. */
    static double rational(String v) {
        try {
            int slash = v.indexOf('/');
            if (slash < 0) {
                return Double.parseDouble(v);
            }
            double d = Double.parseDouble(v.substring(slash + 1));
            return d == 0 ? 0 : Double.parseDouble(v.substring(0, slash)) / d;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
