package io.coedge.kafka;

import io.coedge.topics.KafkaClients;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

/** Whether a Kafka answers where {@link KafkaClients} points. */
public final class KafkaReachability {
    private KafkaReachability() {}

    /**
     * Fails fast with a message a user can act on when nothing answers at the address, instead of
     * letting a producer block for its full timeout.
     */
    public static void check(KafkaClients clients, long timeoutMs) {
        Properties p = clients.properties();
        p.setProperty("request.timeout.ms", Long.toString(timeoutMs));
        p.setProperty("default.api.timeout.ms", Long.toString(timeoutMs));
        try (Admin admin = Admin.create(p)) {
            admin.describeCluster().clusterId().get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "no Kafka answers at "
                            + clients.bootstrap()
                            + " within "
                            + timeoutMs
                            + " ms; start one with `coedge kafka`, "
                            + "or pass --bootstrap HOST:PORT, or set "
                            + KafkaClients.ENV_BOOTSTRAP);
        }
    }
}
