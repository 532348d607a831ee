package io.coedge.operators.post;

import io.coedge.catalog.ModelSpec;
import io.coedge.format.FrameResult.Detection;
import io.coedge.operators.pre.Letterbox;
import java.util.List;

/**
 * Turns one image's share of a detector's outputs into detections in source-frame pixels. One
 * implementation per output family, chosen by the catalog's {@code postprocess.type}; each is a
 * pure function of the tensors, the catalog settings and the image's {@link Letterbox}.
 */
public interface DetectionDecoder {

    /**
     * @param outputs every output tensor of the batch (full batch, batch dimension first)
     * @param image which image of the batch
     * @param letterbox how that image's source frame was placed into the model input
     */
    List<Detection> decode(List<OutputTensor> outputs, int image, Letterbox letterbox);

    /** The decoder for a detector's catalog entry. */
    static DetectionDecoder of(ModelSpec spec) {
        ModelSpec.Postprocess post = spec.postprocess();
        int width = spec.input().width();
        int height = spec.input().height();
        return switch (post.type()) {
            case "yolo", "yolov8" -> new YoloDecoder(post, width, height);
            case "yolov5" -> new Yolov5Decoder(post, width, height);
            case "end2end" -> new End2EndDecoder(post, width, height);
            case "nanodet" -> new NanoDetDecoder(post, width, height);
            default ->
                    throw new IllegalArgumentException(
                            "postprocess type '" + post.type() + "' is not a detector");
        };
    }
}
