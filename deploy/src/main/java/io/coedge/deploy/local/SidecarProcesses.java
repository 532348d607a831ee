package io.coedge.deploy.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One sidecar process per edge node, as on real nodes: each owns its ONNX Runtime sessions, and
 * the job reaches it over gRPC on loopback. Started from the launcher's own classpath; output
 * goes to a log file per node; {@link #close()} stops them all. With {@link #restartDeadSidecars}
 * a sidecar that exits is started again on its port, as a process supervisor would.
 */
public final class SidecarProcesses implements AutoCloseable {
  private final Map<String, Process> processes = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, String> addresses = new LinkedHashMap<>();
  private final Map<String, List<String>> commands = new LinkedHashMap<>();
  private final Map<String, Path> logFiles = new LinkedHashMap<>();
  private final Map<String, Integer> restarts = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile boolean closing;
  private volatile Consumer<String> restartProgress;

  /**
   * @param ports node id -> gRPC port on 127.0.0.1 (metrics on port + 1000)
   * @param logs directory for {@code sidecar-<node>.log}
   */
  public static SidecarProcesses start(Path models, Map<String, Integer> ports, Path logs, Duration readyTimeout,
      Consumer<String> progress) throws IOException {
    Files.createDirectories(logs);
    SidecarProcesses all = new SidecarProcesses();
    try {
      List<CompletableFuture<Void>> ready = new ArrayList<>();
      for (Map.Entry<String, Integer> e : ports.entrySet()) {
        String node = e.getKey();
        int port = e.getValue();
        Path log = logs.resolve("sidecar-" + node + ".log");
        List<String> command = List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx768m", "-cp", System.getProperty("java.class.path"),
            "io.coedge.sidecar.cli.SidecarCommand", "--models", models.toString(),
            "--port", Integer.toString(port), "--metrics-port", Integer.toString(port + 1000), "--threads", "1");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        all.processes.put(node, p);
        all.addresses.put(node, "127.0.0.1:" + port);
        all.commands.put(node, command);
        all.logFiles.put(node, log);
        ready.add(CompletableFuture.runAsync(() -> followUntilReady(node, p, log, false, progress)));
      }
      CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).get(readyTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return all;
    } catch (Exception e) {
      all.close();
      throw new IOException("sidecars did not become ready: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage())
          + " (logs in " + logs + ")", e);
    }
  }

  /**
   * From now on, a sidecar process that exits (crash, OOM, kill) is started again with the same
   * command on the same port, after one second, until {@link #close()}; {@code progress} hears of
   * each restart. The job's batcher sees the node unhealthy meanwhile and healthy again once the
   * new process is ready (within its one-second status poll).
   */
  public SidecarProcesses restartDeadSidecars(Consumer<String> progress) {
    restartProgress = progress;
    processes.forEach((node, p) -> superviseExit(node, p));
    return this;
  }

  private void superviseExit(String node, Process p) {
    p.onExit().thenRunAsync(() -> restart(node, p),
        CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS));
  }

  private synchronized void restart(String node, Process dead) {
    if (closing || processes.get(node) != dead) {
      return;
    }
    int n = restarts.merge(node, 1, Integer::sum);
    Consumer<String> progress = restartProgress;
    progress.accept("sidecar of " + node + " exited with code " + dead.exitValue() + "; restarting it (restart " + n + ")");
    try {
      Process p = new ProcessBuilder(commands.get(node)).redirectErrorStream(true).start();
      processes.put(node, p);
      CompletableFuture.runAsync(() -> followUntilReady(node, p, logFiles.get(node), true, progress));
      superviseExit(node, p);
    } catch (IOException e) {
      progress.accept("sidecar of " + node + " could not be restarted: " + e.getMessage());
    }
  }

  /** How often {@code node}'s sidecar was restarted. */
  public int restarts(String node) {
    return restarts.getOrDefault(node, 0);
  }

  /** Copies the process output to its log, and returns once it says it is ready. */
  private static void followUntilReady(String node, Process p, Path log, boolean append, Consumer<String> progress) {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread pump = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
          var out = append
              ? Files.newBufferedWriter(log, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)
              : Files.newBufferedWriter(log)) {
        String line;
        while ((line = in.readLine()) != null) {
          out.write(line);
          out.newLine();
          out.flush();
          if (line.startsWith("sidecar ready")) {
            progress.accept("sidecar of " + node + ": " + line);
            ready.complete(null);
          }
        }
      } catch (IOException e) {
        ready.completeExceptionally(e);
      }
      ready.completeExceptionally(new IllegalStateException("sidecar of " + node + " exited with " + exitOf(p)));
    }, "sidecar-log-" + node);
    pump.setDaemon(true);
    pump.start();
    ready.join();
  }

  private static String exitOf(Process p) {
    try {
      return p.waitFor(2, TimeUnit.SECONDS) ? "code " + p.exitValue() : "no exit yet";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  /** node -> host:port. */
  public Map<String, String> addresses() {
    return addresses;
  }

  /** The process serving {@code node}, for tests that stop one. */
  public Process process(String node) {
    return processes.get(node);
  }

  @Override
  public void close() {
    synchronized (this) {
      closing = true;
    }
    for (Process p : processes.values()) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
    }
    for (Process p : processes.values()) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
  }
}
