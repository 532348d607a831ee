package io.coedge.jobs;

import io.coedge.sidecar.SidecarOptions;
import io.coedge.sidecar.SidecarServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Real sidecars (ONNX Runtime + gRPC on loopback) in the test JVM, one per node. */
final class LocalSidecars implements AutoCloseable {
  private final List<SidecarServer> servers = new ArrayList<>();
  private final Map<String, String> addresses = new LinkedHashMap<>();

  LocalSidecars(Path models, List<String> nodes) throws Exception {
    for (String node : nodes) {
      SidecarServer server =
          SidecarServer.start(SidecarOptions.builder(models).port(0).metricsPort(0).warmUpRuns(1).build());
      servers.add(server);
      addresses.put(node, "127.0.0.1:" + server.port());
    }
  }

  /** node -> host:port, for {@code BatcherConfig.withSidecars}. */
  Map<String, String> addresses() {
    return addresses;
  }

  @Override
  public void close() {
    servers.forEach(SidecarServer::close);
  }
}
