package io.coedge.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves shipped files (such as config/demo.yaml) from any working directory. */
final class Home {
    private Home() {}

    /**
     * {@code path} as given when it exists; otherwise, for a relative path, the same path under the
     * installation ({@code COEDGE_HOME}, set by the launcher) when it exists there.
     */
    static Path resolve(Path path) {
        if (Files.exists(path) || path.isAbsolute()) {
            return path;
        }
        String home = System.getenv("COEDGE_HOME");
        if (home != null) {
            Path shipped = Path.of(home).resolve(path);
            if (Files.exists(shipped)) {
                return shipped;
            }
        }
        return path;
    }

    /**
     * Where local runs keep generated models, logs and reports: {@code $COEDGE_HOME/.coedge}, else
     * {@code ./.coedge}.
     */
    static Path workDir() {
        String home = System.getenv("COEDGE_HOME");
        return (home == null ? Path.of(".") : Path.of(home))
                .resolve(".coedge")
                .toAbsolutePath()
                .normalize();
    }

    /**
     * A relative {@code .coedge/...} path under the installation, so every working directory shares
     * it.
     */
    static Path resolveWork(Path path) {
        if (path.isAbsolute() || !path.startsWith(".coedge")) {
            return path;
        }
        return workDir().resolve(path.subpath(1, path.getNameCount()));
    }
}
