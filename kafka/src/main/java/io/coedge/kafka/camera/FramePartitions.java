package io.coedge.kafka.camera;

/** Which partition of the frames topic a camera's next frame goes to. */
@FunctionalInterface
public interface FramePartitions {
    /** Kafka's own choice: by the record key, the camera id. */
    FramePartitions BY_KEY = origin -> null;

    /**
     * @param origin the camera's origin node
     * @return the partition, or null for Kafka's partitioner (by camera key)
     */
    Integer partition(String origin);
}
