package io.coedge.sidecar.repository;

import ai.onnxruntime.OnnxJavaType;
import io.coedge.oip.v2.config.DataType;
import java.util.Optional;

/**
 * One tensor element type under its three names: Open Inference Protocol, Triton config, ONNX
 * Runtime.
 */
public enum Datatype {
    BOOL("BOOL", 1, OnnxJavaType.BOOL, DataType.TYPE_BOOL),
    UINT8("UINT8", 1, OnnxJavaType.UINT8, DataType.TYPE_UINT8),
    INT8("INT8", 1, OnnxJavaType.INT8, DataType.TYPE_INT8),
    INT16("INT16", 2, OnnxJavaType.INT16, DataType.TYPE_INT16),
    INT32("INT32", 4, OnnxJavaType.INT32, DataType.TYPE_INT32),
    INT64("INT64", 8, OnnxJavaType.INT64, DataType.TYPE_INT64),
    FP16("FP16", 2, OnnxJavaType.FLOAT16, DataType.TYPE_FP16),
    BF16("BF16", 2, OnnxJavaType.BFLOAT16, DataType.TYPE_BF16),
    FP32("FP32", 4, OnnxJavaType.FLOAT, DataType.TYPE_FP32),
    FP64("FP64", 8, OnnxJavaType.DOUBLE, DataType.TYPE_FP64);

    private final String oipName;
    private final int byteSize;
    private final OnnxJavaType ortType;
    private final DataType configType;

    Datatype(String oipName, int byteSize, OnnxJavaType ortType, DataType configType) {
        this.oipName = oipName;
        this.byteSize = byteSize;
        this.ortType = ortType;
        this.configType = configType;
    }

    public String oipName() {
        return oipName;
    }

    public int byteSize() {
        return byteSize;
    }

    public OnnxJavaType ortType() {
        return ortType;
    }

    public static Optional<Datatype> fromOip(String name) {
        for (Datatype t : values()) {
            if (t.oipName.equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    public static Optional<Datatype> fromConfig(DataType type) {
        for (Datatype t : values()) {
            if (t.configType == type) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /**
     * The datatype of a config.pbtxt tensor, or a {@link RepositoryException} naming the model, the
     * tensor's kind (input/output) and name.
     */
    public static Datatype fromConfig(DataType type, String model, String kind, String tensor)
            throws RepositoryException {
        return fromConfig(type)
                .orElseThrow(
                        () ->
                                new RepositoryException(
                                        "model '"
                                                + model
                                                + "': "
                                                + kind
                                                + " '"
                                                + tensor
                                                + "' has unsupported data_type "
                                                + type));
    }

    public static Optional<Datatype> fromOrt(OnnxJavaType type) {
        for (Datatype t : values()) {
            if (t.ortType == type) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
