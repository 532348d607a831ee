package io.coedge.catalog;

import java.util.List;

/**
 * A DNN model as the pipeline sees it: what tensor it wants and how to read what it returns.
 *
 * @param name model name in the sidecar's repository
 * @param input the input tensor (name and image geometry)
 * @param preprocess how a decoded frame becomes that tensor
 * @param postprocess how the output tensor becomes detections or classes
 * @param maxBatch largest batch the model accepts
 */
public record ModelSpec(
        String name,
        InputSpec input,
        Preprocess preprocess,
        Postprocess postprocess,
        int maxBatch) {

    /** The input tensor: NCHW float32 of {@code channels x height x width}. */
    public record InputSpec(String name, int width, int height, int channels) {
        public int elements() {
            return width * height * channels;
        }
    }

    /**
     * Pre-processing on the CPU before inference.
     *
     * @param resize {@code stretch} (ignore aspect) or {@code letterbox} (keep aspect, pad grey)
     * @param scale multiplier applied to 0..255 pixel values before mean/std
     * @param mean per-channel mean subtracted after scaling, in {@code channelOrder}
     * @param std per-channel divisor after mean subtraction, in {@code channelOrder}
     * @param channelOrder {@code RGB} or {@code BGR}
     */
    public record Preprocess(
            String resize,
            double scale,
            List<Double> mean,
            List<Double> std,
            String channelOrder) {}

    /**
     * Post-processing on the CPU after inference.
     *
     * @param type {@code yolo} (YOLOv8 layout {@code [N, 4 + classes, anchors]}) or {@code
     *     classification} (logits {@code [N, classes]})
     * @param labels class names, index = class id
     * @param confidence minimum score kept (yolo)
     * @param iou non-maximum-suppression IoU threshold (yolo)
     * @param topK number of classes reported (classification)
     */
    public record Postprocess(
            String type, List<String> labels, double confidence, double iou, int topK) {}
}
