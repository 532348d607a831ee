package io.coedge.deploy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A launcher shaped like {@code coedge run}, for {@link SidecarShutdownITCase}: starts the local
 * pipeline's sidecars, prints their PIDs, then waits for a latch its shutdown hook releases and
 * closes them in a try-with-resources, a close the JVM does not wait for.
 *
 * <p>Arguments: {@code MODELS LOGS NODE=PORT...}.
 */
public final class SidecarsUntilStopped {
    public static void main(String[] args) throws Exception {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            ports.put(kv[0], Integer.parseInt(kv[1]));
        }
        CountDownLatch stop = new CountDownLatch(1);
        try (SidecarSupervisor sidecars =
                SidecarSupervisor.startLocal(
                        Path.of(args[0]),
                        ports,
                        Path.of(args[1]),
                        Duration.ofMinutes(2),
                        m -> System.out.println("progress: " + m))) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            StringBuilder pids = new StringBuilder("pids");
            ports.keySet().forEach(node -> pids.append(' ').append(sidecars.process(node).pid()));
            System.out.println(pids);
            System.out.flush();
            stop.await();
        }
    }
}
