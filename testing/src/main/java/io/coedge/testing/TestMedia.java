package io.coedge.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

/**
 * Real footage and photographs for tests, from Debian packages: {@code vtest.avi} (opencv-doc's
 * examples, 768x576, 10 frames/s, a street with pedestrians and vehicles) and darknet's {@code
 * dog.jpg}, {@code person.jpg}, {@code horses.jpg}, {@code kite.jpg} and {@code coco.names}.
 *
 * <p>They live in {@code $COEDGE_MEDIA}, else {@code ~/.cache/coedge/media}, where {@code
 * .ci/fetch-media} puts them ({@code .ci/run} calls it). A file that is absent is fetched by
 * running that script once; when that fails the test fails with the script's reason and the command
 * to run by hand.
 */
public final class TestMedia {
    public static final String ENV = "COEDGE_MEDIA";

    /** opencv-doc's sample video: 768x576, MS-MPEG4 v3 in AVI, 10 frames/s, 795 frames. */
    public static final String VTEST = "vtest.avi";

    public static final String DOG = "dog.jpg";
    public static final String PERSON = "person.jpg";
    public static final String HORSES = "horses.jpg";
    public static final String KITE = "kite.jpg";
    public static final String COCO_NAMES = "coco.names";

    private TestMedia() {}

    /** The cache directory: {@code $COEDGE_MEDIA}, else {@code ~/.cache/coedge/media}. */
    public static Path directory() {
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return Paths.get(env);
        }
        return Paths.get(System.getProperty("user.home"), ".cache", "coedge", "media");
    }

    /** opencv-doc's {@code vtest.avi}. */
    public static Path vtest() {
        return file(VTEST);
    }

    /**
     * One of the media files by name, fetched with {@code .ci/fetch-media} when absent.
     *
     * @throws IllegalStateException with the reason and the command to run when it cannot be had
     */
    public static synchronized Path file(String name) {
        Path file = directory().resolve(name);
        if (Files.isRegularFile(file)) {
            return file;
        }
        Path script = findScript();
        if (script == null) {
            throw new IllegalStateException(
                    "test media "
                            + file
                            + " is missing and .ci/fetch-media was not found above "
                            + Paths.get("").toAbsolutePath()
                            + "; run .ci/fetch-media from the repository");
        }
        String output = fetch(script);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(
                    "test media "
                            + file
                            + " is missing and "
                            + script
                            + " could not fetch it: "
                            + output.strip()
                            + " (it needs apt-get with Debian bookworm's package lists; set "
                            + ENV
                            + " to a directory holding "
                            + name
                            + " otherwise)");
        }
        return file;
    }

    private static String fetch(Path script) {
        try {
            Path log = Files.createTempFile("coedge-fetch-media", ".log");
            try {
                ProcessBuilder pb = new ProcessBuilder("bash", script.toString());
                pb.environment().put(ENV, directory().toString());
                pb.redirectErrorStream(true).redirectOutput(log.toFile());
                Process p = pb.start();
                if (!p.waitFor(10, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    return "timed out after 10 minutes";
                }
                return Files.readString(log, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while fetching test media", e);
        }
    }

    private static Path findScript() {
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path script = dir.resolve(".ci").resolve("fetch-media");
            if (Files.isRegularFile(script)) {
                return script;
            }
        }
        return null;
    }
}
