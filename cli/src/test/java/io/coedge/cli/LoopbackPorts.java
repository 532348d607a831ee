package io.coedge.cli;

import io.coedge.deploy.ClusterSpec;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free ports on the loopback address for the process-cluster tests; a sidecar on port p also serves
 * its metrics on p + {@link ClusterSpec#METRICS_PORT_OFFSET}, which must be free too.
 */
final class LoopbackPorts {
    private static final int OFFSET = ClusterSpec.METRICS_PORT_OFFSET;

    private LoopbackPorts() {}

    /** A port free on 127.0.0.1 now. */
    static int free() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A free port for a sidecar: its metrics port is free too. */
    static int withMetrics() throws IOException {
        return withMetrics(1).get(0);
    }

    /** {@code n} free ports for sidecars, none of them another's metrics port. */
    static List<Integer> withMetrics(int n) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        List<Integer> out = new ArrayList<>();
        while (out.size() < n) {
            // both bound at once: the port and its metrics port were free together
            try (ServerSocket s = new ServerSocket(0, 1, loopback);
                    ServerSocket metrics =
                            new ServerSocket(s.getLocalPort() + OFFSET, 1, loopback)) {
                int p = s.getLocalPort();
                if (out.stream().noneMatch(o -> Math.abs(o - p) == OFFSET || o == p)) {
                    out.add(p);
                }
            } catch (BindException | IllegalArgumentException taken) {
                // the metrics port is taken, or past 65535: another port
            }
        }
        return out;
    }
}
