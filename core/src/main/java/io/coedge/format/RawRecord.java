package io.coedge.format;

import java.util.List;

/**
 * A Kafka record before validation, without Kafka types, so that decoding is testable and shared by
 * the Flink job and the command-line tools.
 */
public record RawRecord(
        String topic, int partition, long offset, byte[] key, byte[] value, List<Header> headers) {

    /** One record header; {@code value} may be null as Kafka allows. */
    public record Header(String key, byte[] value) {}
}
