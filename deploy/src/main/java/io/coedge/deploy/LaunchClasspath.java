package io.coedge.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The running JVM's classpath as a list of entries, the one child processes get. A manifest-only
 * jar (what Surefire and Failsafe put on {@code java.class.path}) is expanded into its {@code
 * Class-Path}, so the entries can be filtered.
 */
final class LaunchClasspath {
    private LaunchClasspath() {}

    static List<String> current() {
        List<String> out = new ArrayList<>();
        for (String entry :
                System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!entry.isBlank()) {
                // Absolute: children run in the cluster folder.
                out.addAll(expand(Path.of(entry).toAbsolutePath().normalize().toString()));
            }
        }
        return out;
    }

    private static List<String> expand(String entry) {
        Path path = Path.of(entry);
        if (!entry.endsWith(".jar") || !Files.isRegularFile(path)) {
            return List.of(entry);
        }
        try (JarFile jar = new JarFile(path.toFile())) {
            Manifest manifest = jar.getManifest();
            String classPath =
                    manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
            boolean manifestOnly =
                    classPath != null
                            && jar.stream().noneMatch(e -> e.getName().endsWith(".class"));
            if (!manifestOnly) {
                return List.of(entry);
            }
            List<String> out = new ArrayList<>();
            URI base = path.toAbsolutePath().getParent().toUri();
            for (String ref : classPath.trim().split("\\s+")) {
                URI uri = base.resolve(ref);
                out.add("file".equals(uri.getScheme()) ? Path.of(uri).toString() : ref);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + entry, e);
        }
    }

    /**
     * The classpath of the Flink processes: everything except the Kafka connector. Flink loads
     * {@code org.apache.flink.*} parent-first, so a connector on the cluster's classpath would be
     * taken instead of the job jar's copy and linked against the cluster's kafka-clients while the
     * job's own classes use the jar's (a LinkageError). A Flink distribution has no connector in
     * lib/ either; the job jar brings it.
     */
    static List<String> forFlink(List<String> classpath) {
        return classpath.stream()
                .filter(
                        e ->
                                !Path.of(e)
                                        .getFileName()
                                        .toString()
                                        .startsWith("flink-connector-kafka"))
                .toList();
    }
}
