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
}
