package io.coedge.models;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Fetches npm packages with the ordinary client ({@code npm pack name@version}) into a cache
 * directory ({@code $COEDGE_CACHE/npm}, else {@code ~/.cache/coedge/npm}) and unpacks them there; a
 * package already unpacked is not fetched again.
 */
public final class NpmPackages {

    /** npm is missing, the registry is unreachable, or the tarball is unreadable. */
    public static final class FetchException extends IOException {
        public FetchException(String message) {
            super(message);
        }
    }

    private final Path cache;

    public NpmPackages(Path cache) {
        this.cache = cache;
    }

    /** The default cache: {@code $COEDGE_CACHE/npm}, else {@code ~/.cache/coedge/npm}. */
    public static NpmPackages defaultCache() {
        String env = System.getenv("COEDGE_CACHE");
        Path root =
                env != null && !env.isBlank()
                        ? Path.of(env)
                        : Path.of(System.getProperty("user.home"), ".cache", "coedge");
        return new NpmPackages(root.resolve("npm"));
    }

    public Path cache() {
        return cache;
    }

    /**
     * The unpacked package directory of {@code name@version} (the tarball's {@code package/}),
     * fetched with {@code npm pack} when it is not in the cache yet.
     */
    public Path fetch(String name, String version, Consumer<String> progress) throws IOException {
        String flat = name.replace("@", "").replace('/', '-') + "-" + version;
        Path unpacked = cache.resolve(flat);
        Path done = unpacked.resolve(".complete");
        if (Files.exists(done)) {
            progress.accept(name + "@" + version + ": cached in " + unpacked);
            return unpacked.resolve("package");
        }
        Files.createDirectories(cache);
        Path tarball = cache.resolve(flat + ".tgz");
        if (!Files.isRegularFile(tarball)) {
            progress.accept("npm pack " + name + "@" + version + " -> " + cache);
            pack(name + "@" + version, tarball);
        }
        progress.accept("unpacking " + tarball.getFileName());
        Path tmp = Files.createTempDirectory(cache, flat + ".tmp");
        try {
            untar(tarball, tmp);
            if (Files.exists(unpacked)) {
                deleteTree(unpacked);
            }
            Files.move(tmp, unpacked, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            if (Files.exists(tmp)) {
                deleteTree(tmp);
            }
        }
        Files.writeString(done, name + "@" + version + "\n");
        return unpacked.resolve("package");
    }

    private void pack(String spec, Path tarball) throws IOException {
        Path log = Files.createTempFile(cache, "npm-pack", ".log");
        Process p;
        try {
            p =
                    new ProcessBuilder(
                                    "npm",
                                    "pack",
                                    spec,
                                    "--loglevel=error",
                                    "--pack-destination",
                                    cache.toString())
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
        } catch (IOException e) {
            Files.deleteIfExists(log);
            throw new FetchException(
                    "npm is not installed (needed to fetch "
                            + spec
                            + "; e.g. apt-get install npm)");
        }
        try {
            int rc = p.waitFor();
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (rc != 0) {
                String lower = out.toLowerCase(Locale.ROOT);
                if (List.of(
                                "enotfound",
                                "eai_again",
                                "econnrefused",
                                "etimedout",
                                "econnreset",
                                "network")
                        .stream()
                        .anyMatch(lower::contains)) {
                    throw new FetchException(
                            "the npm registry is unreachable (npm pack "
                                    + spec
                                    + " failed: "
                                    + firstErrorLine(out)
                                    + ")");
                }
                throw new FetchException("npm pack " + spec + " failed: " + firstErrorLine(out));
            }
            String file = out.strip().lines().reduce((a, b) -> b).orElse("").strip();
            Path produced = cache.resolve(file);
            if (file.isEmpty() || !Files.isRegularFile(produced)) {
                throw new FetchException("npm pack " + spec + " wrote no tarball (" + out + ")");
            }
            Files.move(produced, tarball, StandardCopyOption.REPLACE_EXISTING);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new FetchException("interrupted while fetching " + spec);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** npm's most telling error line: the one with the reason, else the first error line. */
    private static String firstErrorLine(String out) {
        List<String> errors =
                out.lines()
                        .filter(l -> l.contains("ERR") || l.contains("error"))
                        .map(l -> l.replaceFirst("^npm (ERR!|error)\\s*", "").strip())
                        .toList();
        return errors.stream()
                .filter(l -> l.contains("reason:"))
                .findFirst()
                .or(() -> errors.stream().findFirst())
                .orElse(out.lines().findFirst().orElse("no output").strip());
    }

    private static void untar(Path tarball, Path dir) throws IOException {
        try (InputStream in =
                        new GZIPInputStream(
                                new BufferedInputStream(Files.newInputStream(tarball)));
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                Path target = dir.resolve(e.getName()).normalize();
                if (!target.startsWith(dir)) {
                    throw new FetchException(
                            tarball + ": entry " + e.getName() + " leaves the package");
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else if (e.isFile()) {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new FetchException(tarball + " is not a gzip tarball (" + e.getMessage() + ")");
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
