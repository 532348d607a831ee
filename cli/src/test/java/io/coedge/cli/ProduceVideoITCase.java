package io.coedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.format.FrameHeaders;
import io.coedge.testing.TestKafka;
import io.coedge.testing.TestMedia;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code coedge produce --video} with real footage (opencv-doc's vtest.avi), a 1080p H.264 file
 * made by ffmpeg from it, and an RTSP stream from a real RTSP server on 127.0.0.1 (Debian's
 * librtsp-server-perl, fed by an ffmpeg that pushes a file), into a real Kafka.
 */
class ProduceVideoITCase {
    private static TestKafka kafka;
    @TempDir static Path dir;
    private static Path mp4;

    @BeforeAll
    static void start() throws Exception {
        kafka = TestKafka.start();
        // 1080p H.264 at 30 fps, 2 s: 60 frames
        mp4 = dir.resolve("street-1080p.mp4");
        ffmpeg(
                "-i",
                TestMedia.vtest().toString(),
                "-t",
                "2",
                "-vf",
                "scale=1920:1080,fps=30",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
                mp4.toString());
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    static void ffmpeg(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-nostdin", "-v", "error", "-y"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private static CliTest.Run produce(String topic, String... args) {
        List<String> all =
                new ArrayList<>(
                        List.of(
                                "produce",
                                "--bootstrap",
                                kafka.bootstrap(),
                                "--config",
                                "../config/demo.yaml",
                                "--frames-topic",
                                topic,
                                "--first-sequence",
                                "0"));
        all.addAll(List.of(args));
        return CliTest.run(all.toArray(String[]::new));
    }

    private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> r) {
        Map<String, String> headers = new HashMap<>();
        for (Header h : r.headers()) {
            assertThat(headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)))
                    .as("duplicate " + h.key())
                    .isNull();
        }
        return headers;
    }

    private static BufferedImage decode(byte[] jpeg) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(jpeg));
        assertThat(image).as("decodable JPEG").isNotNull();
        return image;
    }

    /** Sequences per camera, checking every record's headers on the way. */
    private static Map<String, List<Long>> check(
            List<ConsumerRecord<byte[], byte[]>> records, long before, long after) {
        Map<String, List<Long>> sequences = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            Map<String, String> h = headers(r);
            assertThat(h.keySet())
                    .containsExactlyInAnyOrder(
                            FrameHeaders.TASK,
                            FrameHeaders.TIMESTAMP,
                            FrameHeaders.ORIGIN,
                            FrameHeaders.SEQUENCE);
            assertThat(h.get(FrameHeaders.TASK)).isEqualTo("vehicle-detection");
            assertThat(h.get(FrameHeaders.ORIGIN)).isEqualTo("edge-1");
            assertThat(Long.parseLong(h.get(FrameHeaders.TIMESTAMP))).isBetween(before, after);
            sequences
                    .computeIfAbsent(
                            new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(Long.parseLong(h.get(FrameHeaders.SEQUENCE)));
        }
        return sequences;
    }

    @Test
    void vtestFramesArriveWithTheHeadersAtSourceSizePacedToTenFps() throws Exception {
        long before = System.currentTimeMillis();
        CliTest.Run run =
                produce("video.vtest", "--video", TestMedia.vtest().toString(), "--count", "25");
        long after = System.currentTimeMillis();

        assertThat(run.exit()).as(run.err()).isZero();
        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll("video.vtest", 25);
        assertThat(records).hasSize(25);
        Map<String, List<Long>> sequences = check(records, before, after);
        assertThat(sequences).containsOnlyKeys("cam-1");
        assertThat(sequences.get("cam-1")).hasSize(25).isSorted().startsWith(0L).endsWith(24L);
        for (ConsumerRecord<byte[], byte[]> r : records) {
            BufferedImage image = decode(r.value());
            assertThat(image.getWidth()).isEqualTo(768);
            assertThat(image.getHeight()).isEqualTo(576);
        }
        // paced to the file's 10 frames/s: frame 24 is released 2.4 s after frame 0
        long first = Long.parseLong(headers(records.get(0)).get(FrameHeaders.TIMESTAMP));
        long last = Long.parseLong(headers(records.get(24)).get(FrameHeaders.TIMESTAMP));
        assertThat(last - first).isGreaterThanOrEqualTo(2_390);
        assertThat(run.err()).contains("msmpeg4v3 768x576 at 10.000 fps");
        assertThat(run.out()).contains("25 frames in").contains("0 failed, 0 dropped");
    }

    @Test
    void everyFrameOfTwo1080pH264FilesArrivesAsTwoCameras() throws Exception {
        long before = System.currentTimeMillis();
        CliTest.Run run =
                produce(
                        "video.hd",
                        "--video",
                        mp4.toString(),
                        "--video",
                        mp4.toString(),
                        "--camera",
                        "cam-2",
                        "--camera",
                        "street-9");
        long after = System.currentTimeMillis();

        assertThat(run.exit()).as(run.err()).isZero();
        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll("video.hd", 120);
        assertThat(records).hasSize(120);
        Map<String, List<Long>> sequences = check(records, before, after);
        assertThat(sequences).containsOnlyKeys("cam-2", "street-9");
        for (List<Long> s : sequences.values()) {
            assertThat(s).hasSize(60).isSorted().startsWith(0L).endsWith(59L);
        }
        BufferedImage image = decode(records.get(records.size() - 1).value());
        assertThat(image.getWidth()).isEqualTo(1920);
        assertThat(image.getHeight()).isEqualTo(1080);
        assertThat(run.out()).contains("120 frames in").contains("0 failed, 0 dropped");
    }

    @Test
    void maxWidthDownscalesKeepingTheAspectRatio() throws Exception {
        CliTest.Run run =
                produce(
                        "video.small",
                        "--video",
                        mp4.toString(),
                        "--max-width",
                        "640",
                        "--quality",
                        "10",
                        "--count",
                        "5");

        assertThat(run.exit()).as(run.err()).isZero();
        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll("video.small", 5);
        assertThat(records).hasSize(5);
        BufferedImage image = decode(records.get(4).value());
        assertThat(image.getWidth()).isEqualTo(640);
        assertThat(image.getHeight()).isEqualTo(360);
    }

    @Test
    void aFileThatCannotBePlayedIsOneLineWithFfmpegsReason() throws Exception {
        Path text = dir.resolve("notes.mp4");
        Files.writeString(text, "not a video\n");

        CliTest.Run missing = produce("video.err", "--video", dir.resolve("nope.mp4").toString());
        CliTest.Run garbage = produce("video.err", "--video", text.toString());
        CliTest.Run noFfmpeg =
                produce(
                        "video.err",
                        "--video",
                        mp4.toString(),
                        "--ffmpeg",
                        dir.resolve("bin/ffmpeg").toString());

        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err().strip())
                .isEqualTo(
                        "coedge produce: cannot open video "
                                + dir.resolve("nope.mp4")
                                + ": no such file");
        assertThat(garbage.exit()).isEqualTo(1);
        assertThat(garbage.err().strip())
                .isEqualTo(
                        "coedge produce: cannot open video "
                                + text
                                + ": Invalid data found when processing input");
        assertThat(noFfmpeg.exit()).isEqualTo(1);
        assertThat(noFfmpeg.err().strip())
                .startsWith("coedge produce: ffmpeg not found (" + dir.resolve("bin/ffmpeg"))
                .doesNotContain("\n")
                .doesNotContain("Exception");
    }

    /** An RTSP server on 127.0.0.1 and the ffmpeg that publishes a looping file to it. */
    static final class RtspServer implements AutoCloseable {
        int clientPort;
        int sourcePort;
        final Path file;

        /** The server's output, quoted when it exits before listening. */
        final Path log;

        Process server;
        Process publisher;

        /** Whether the server listened once: a restart keeps its ports, so its URL. */
        private boolean listenedOnce;

        RtspServer(Path file) throws IOException {
            this.file = file;
            this.log = Files.createTempFile("rtsp-server", ".log");
            pickPorts();
        }

        /** Two distinct free ports (both held open while picked, so never the same one twice). */
        private void pickPorts() throws IOException {
            try (ServerSocket a = new ServerSocket(0);
                    ServerSocket b = new ServerSocket(0)) {
                clientPort = a.getLocalPort();
                sourcePort = b.getLocalPort();
            }
        }

        String url() {
            return "rtsp://127.0.0.1:" + clientPort + "/cam";
        }

        /**
         * Starts the server and its publisher. A port picked free can be taken by another process
         * before perl binds it (CI once saw the server exit 0.8 s after its start): before it has
         * listened once, a server that exits without listening is started again on fresh ports, up
         * to three times, and the error quotes its output.
         */
        void start() throws Exception {
            for (int attempt = 1; !startServer(); attempt++) {
                if (listenedOnce || attempt == 3) {
                    throw new AssertionError(
                            "the RTSP server (client port "
                                    + clientPort
                                    + ", source port "
                                    + sourcePort
                                    + ") exited before it listened, "
                                    + attempt
                                    + " time(s); its output: "
                                    + Files.readString(log));
                }
                pickPorts();
            }
            listenedOnce = true;
            publisher =
                    new ProcessBuilder(
                                    "ffmpeg",
                                    "-nostdin",
                                    "-v",
                                    "error",
                                    "-re",
                                    "-stream_loop",
                                    "-1",
                                    "-i",
                                    file.toString(),
                                    "-c",
                                    "copy",
                                    "-f",
                                    "rtsp",
                                    "rtsp://127.0.0.1:" + sourcePort + "/cam")
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start();
        }

        /** True once the server listens; false when it exited first. */
        private boolean startServer() throws Exception {
            String script =
                    "use AnyEvent; use RTSP::Server;"
                            + " my $s = RTSP::Server->new(client_listen_port => "
                            + clientPort
                            + ", source_listen_port => "
                            + sourcePort
                            + ", client_listen_address => '127.0.0.1', source_listen_address =>"
                            + " '127.0.0.1', rtp_start_port => "
                            + (20000 + (clientPort % 20000))
                            + ", log_level => 0); $s->listen; AnyEvent->condvar->recv;";
            server =
                    new ProcessBuilder("perl", "-e", script)
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
            Process started = server;
            try {
                Awaitility.await("the RTSP server listens or exits")
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> listening(sourcePort) || !started.isAlive());
            } catch (ConditionTimeoutException e) {
                throw new AssertionError(
                        "the RTSP server did not listen within 30 s; its output: "
                                + Files.readString(log),
                        e);
            }
            return listening(sourcePort);
        }

        static boolean listening(int port) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        void stop() throws InterruptedException {
            for (Process p : new Process[] {publisher, server}) {
                if (p != null) {
                    p.destroy();
                    if (!p.waitFor(5, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                }
            }
        }

        @Override
        public void close() throws InterruptedException, IOException {
            stop();
            Files.deleteIfExists(log);
        }
    }

    @Test
    void rtspStreamIsReadAndReconnectedAfterTheServerRestarts() throws Exception {
        // H.264 without B-frames, a key frame every 10 frames (a viewer joins quickly)
        Path source = dir.resolve("rtsp-source.mp4");
        ffmpeg(
                "-i",
                TestMedia.vtest().toString(),
                "-t",
                "10",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-bf",
                "0",
                "-g",
                "10",
                "-pix_fmt",
                "yuv420p",
                source.toString());
        try (RtspServer rtsp = new RtspServer(source)) {
            rtsp.start();
            long before = System.currentTimeMillis();
            CompletableFuture<CliTest.Run> producing =
                    CompletableFuture.supplyAsync(
                            () ->
                                    produce(
                                            "video.rtsp",
                                            "--video",
                                            rtsp.url(),
                                            "--count",
                                            "150",
                                            "--duration",
                                            "150s"));
            // the stream runs, then the server goes away for 3 s and comes back
            int seen = 0;
            for (int i = 0; i < 6 && seen < 20; i++) {
                seen = kafka.readAll("video.rtsp", 20).size();
            }
            assertThat(seen).as("frames before the server stops").isGreaterThanOrEqualTo(20);
            rtsp.stop();
            long down = System.currentTimeMillis();
            Thread.sleep(3_000);
            rtsp.start();
            long up = System.currentTimeMillis();

            CliTest.Run run = producing.get(150, TimeUnit.SECONDS);
            long after = System.currentTimeMillis();

            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.err())
                    .contains("camera cam-1: stream " + rtsp.url())
                    .contains("reconnecting in");
            String summary =
                    run.out()
                            .lines()
                            .filter(l -> l.contains("camera cam-1"))
                            .findFirst()
                            .orElseThrow();
            long sent = Long.parseLong(summary.replaceAll(".*decoded, (\\d+) sent.*", "$1"));
            assertThat(summary).contains("0 failed, 0 dropped");
            assertThat(Integer.parseInt(summary.replaceAll(".* (\\d+) reconnects.*", "$1")))
                    .isGreaterThanOrEqualTo(1);
            List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll("video.rtsp", (int) sent);
            // every frame sent is in Kafka, numbered without a gap across the reconnect
            assertThat(sent).isEqualTo(150);
            assertThat(records).hasSize((int) sent);
            Map<String, List<Long>> sequences = check(records, before, after);
            assertThat(sequences.get("cam-1"))
                    .hasSize((int) sent)
                    .isSorted()
                    .startsWith(0L)
                    .endsWith(sent - 1);
            // frames before the loss and after the restart, at source size
            List<Long> times =
                    records.stream()
                            .map(r -> Long.parseLong(headers(r).get(FrameHeaders.TIMESTAMP)))
                            .toList();
            String relative =
                    times.stream().map(t -> Long.toString(t - before)).toList()
                            + " down at "
                            + (down - before)
                            + ", up at "
                            + (up - before)
                            + "\n"
                            + run.err();
            assertThat(times).as(relative).anyMatch(t -> t < down).anyMatch(t -> t > up);
            long firstAfter =
                    times.stream().filter(t -> t > up).mapToLong(t -> t).min().orElseThrow();
            System.out.printf(
                    "RTSP reconnect: server down %d ms, first frame %d ms after the server was back"
                            + " (publisher started); %s%n",
                    up - down, firstAfter - up, summary);
            BufferedImage image = decode(records.get(records.size() - 1).value());
            assertThat(image.getWidth()).isEqualTo(768);
        }
    }
}
