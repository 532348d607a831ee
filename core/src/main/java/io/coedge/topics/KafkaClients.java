package io.coedge.topics;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;

/**
 * Where Kafka is and how to talk to it. Security settings (SASL, TLS) come from a user's client
 * properties file and are passed through untouched; they are never logged.
 *
 * @param bootstrap {@code bootstrap.servers}
 * @param extra client properties from the user's file (may be empty)
 */
public record KafkaClients(String bootstrap, Properties extra) {

    /** Environment variable that points every command and test at an external Kafka. */
    public static final String ENV_BOOTSTRAP = "KAFKA_BOOTSTRAP";

    /** The address {@code coedge kafka} listens on by default. */
    public static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";

    private static final Set<String> SECRET_KEYS =
            Set.of(
                    "sasl.jaas.config",
                    "ssl.key.password",
                    "ssl.keystore.password",
                    "ssl.truststore.password");

    /**
     * @param bootstrap an explicit address, or null to use {@code KAFKA_BOOTSTRAP} or the default
     * @param propertiesFile client properties to pass through, or null
     */
    public static KafkaClients resolve(String bootstrap, Path propertiesFile) {
        String address = bootstrap;
        if (address == null || address.isBlank()) {
            address = System.getenv(ENV_BOOTSTRAP);
        }
        if (address == null || address.isBlank()) {
            address = DEFAULT_BOOTSTRAP;
        }
        Properties extra = new Properties();
        if (propertiesFile != null) {
            try (Reader in = Files.newBufferedReader(propertiesFile)) {
                extra.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "cannot read Kafka client properties " + propertiesFile, e);
            }
        }
        return new KafkaClients(address, extra);
    }

    /** Base client properties: the bootstrap address plus the user's pass-through settings. */
    public Properties properties() {
        Properties p = new Properties();
        p.putAll(extra);
        p.setProperty("bootstrap.servers", bootstrap);
        return p;
    }

    /** The pass-through settings with secrets masked, for logs. */
    public String describe() {
        StringBuilder sb = new StringBuilder("bootstrap=" + bootstrap);
        extra.stringPropertyNames().stream()
                .sorted()
                .forEach(
                        k ->
                                sb.append(", ")
                                        .append(k)
                                        .append('=')
                                        .append(
                                                SECRET_KEYS.contains(k) || k.contains("password")
                                                        ? "******"
                                                        : extra.getProperty(k)));
        return sb.toString();
    }
}
