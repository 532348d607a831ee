package io.coedge.kafka.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka (KRaft, broker and controller in one) running in this JVM, bound to
 * 127.0.0.1, with its data in a temporary directory that {@link #close()} removes. It is the same
 * Kafka version as the clients, which is what lets both live in one JVM.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final Path dataDir;
    private final KafkaRaftServer server;
    private final String bootstrap;
    private final Duration startup;
    private boolean closed;

    private EmbeddedKafka(
            Path dataDir, KafkaRaftServer server, String bootstrap, Duration startup) {
        this.dataDir = dataDir;
        this.server = server;
        this.bootstrap = bootstrap;
        this.startup = startup;
    }

    /** Starts a broker on a free port. */
    public static EmbeddedKafka start() {
        return start(0, Map.of());
    }

    /**
     * Starts a broker and waits until it serves requests.
     *
     * @param port client port on 127.0.0.1, 0 for any free port
     * @param overrides broker properties that replace the defaults
     */
    public static EmbeddedKafka start(int port, Map<String, String> overrides) {
        return start("127.0.0.1", port, overrides);
    }

    /**
     * Starts a broker whose client listener binds {@code host} (its controller stays on 127.0.0.1)
     * and waits until it serves requests. The testbed runs it on its backbone namespace's address.
     *
     * @param host address to bind and advertise
     * @param port client port, 0 for any free port
     * @param overrides broker properties that replace the defaults
     */
    public static EmbeddedKafka start(String host, int port, Map<String, String> overrides) {
        long t0 = System.nanoTime();
        Path dir;
        try {
            dir = Files.createTempDirectory("coedge-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the broker's data directory", e);
        }
        try {
            int brokerPort = port == 0 ? freePort() : port;
            int controllerPort = freePort();
            Properties props = properties(dir, brokerPort, controllerPort);
            props.setProperty(
                    "listeners",
                    "PLAINTEXT://"
                            + host
                            + ":"
                            + brokerPort
                            + ",CONTROLLER://127.0.0.1:"
                            + controllerPort);
            props.setProperty("advertised.listeners", "PLAINTEXT://" + host + ":" + brokerPort);
            overrides.forEach(props::setProperty);
            Path config = dir.resolve("server.properties");
            try (Writer out = Files.newBufferedWriter(config)) {
                props.store(out, "CoEdge embedded Kafka");
            }
            format(config);
            KafkaRaftServer server =
                    new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            String bootstrap = host + ":" + brokerPort;
            try {
                awaitReady(bootstrap, Duration.ofSeconds(30));
            } catch (RuntimeException e) {
                server.shutdown();
                server.awaitShutdown();
                throw e;
            }
            return new EmbeddedKafka(
                    dir, server, bootstrap, Duration.ofNanos(System.nanoTime() - t0));
        } catch (IOException e) {
            deleteQuietly(dir);
            throw new UncheckedIOException("cannot start the embedded Kafka broker", e);
        } catch (RuntimeException e) {
            deleteQuietly(dir);
            throw e;
        }
    }

    private static Properties properties(Path dir, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
        p.setProperty(
                "listeners",
                "PLAINTEXT://127.0.0.1:"
                        + brokerPort
                        + ",CONTROLLER://127.0.0.1:"
                        + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", dir.resolve("data").toString());
        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("num.partitions", "1");
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "4");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // Frames are images: allow records up to 20 MiB end to end.
        p.setProperty("message.max.bytes", Integer.toString(20 << 20));
        p.setProperty("replica.fetch.max.bytes", Integer.toString(20 << 20));
        // Flink's KafkaSink uses transactions up to this timeout (the job sets 10 min).
        p.setProperty("transaction.max.timeout.ms", Integer.toString(15 * 60 * 1000));
        return p;
    }

    private static void format(Path config) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int rc;
        try (PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            rc =
                    StorageTool.execute(
                            new String[] {
                                "format",
                                "-t",
                                Uuid.randomUuid().toString(),
                                "-c",
                                config.toString(),
                                "--standalone"
                            },
                            out);
        }
        if (rc != 0) {
            throw new IllegalStateException(
                    "formatting the broker's storage failed: "
                            + log.toString(StandardCharsets.UTF_8));
        }
    }

    private static void awaitReady(String bootstrap, Duration timeout) {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            admin.describeCluster()
                    .nodes()
                    .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "the embedded broker at " + bootstrap + " did not become ready", e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrap;
    }

    /** Time from {@link #start()} to a broker answering metadata requests. */
    public Duration startupTime() {
        return startup;
    }

    public Path dataDirectory() {
        return dataDir;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            deleteQuietly(dataDir);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // Best effort: the directory is under the system temp dir.
        }
    }
}
