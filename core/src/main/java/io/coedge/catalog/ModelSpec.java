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

    /**
     * The input tensor of {@code channels x height x width} per image.
     *
     * @param layout {@code NCHW} (channels first, the default) or {@code NHWC} (channels last)
     * @param dtype {@code float32} (normalised by {@link Preprocess}) or {@code uint8} (raw 0..255
     *     pixels; the model normalises itself)
     */
    public record InputSpec(
            String name, int width, int height, int channels, String layout, String dtype) {
        /** NCHW float32, the layout of every catalog written before layouts were described. */
        public InputSpec(String name, int width, int height, int channels) {
            this(name, width, height, channels, "NCHW", "float32");
        }

        public int elements() {
            return width * height * channels;
        }

        public boolean channelsLast() {
            return layout.equals("NHWC");
        }

        public boolean uint8() {
            return dtype.equals("uint8");
        }

        /** The tensor's Open Inference Protocol datatype. */
        public String oipDatatype() {
            return uint8() ? "UINT8" : "FP32";
        }

        /** Bytes of one element. */
        public int elementBytes() {
            return uint8() ? 1 : Float.BYTES;
        }

        /** The shape of a batch of {@code batch} images. */
        public long[] shape(int batch) {
            return channelsLast()
                    ? new long[] {batch, height, width, channels}
                    : new long[] {batch, channels, height, width};
        }
    }

    /**
     * Pre-processing on the CPU before inference.
     *
     * @param resize {@code stretch} (ignore aspect) or {@code letterbox} (keep aspect, pad with
     *     {@code padValue})
     * @param scale multiplier applied to 0..255 pixel values before mean/std
     * @param mean per-channel mean subtracted after scaling, in {@code channelOrder}
     * @param std per-channel divisor after mean subtraction, in {@code channelOrder}
     * @param channelOrder {@code RGB} or {@code BGR}
     * @param padValue the 0..255 grey of letterbox padding (YOLO's 114 by default)
     */
    public record Preprocess(
            String resize,
            double scale,
            List<Double> mean,
            List<Double> std,
            String channelOrder,
            int padValue) {
        /** Letterbox padding of YOLO's grey, 114. */
        public Preprocess(
                String resize,
                double scale,
                List<Double> mean,
                List<Double> std,
                String channelOrder) {
            this(resize, scale, mean, std, channelOrder, 114);
        }
    }

    /**
     * Post-processing on the CPU after inference (docs/FORMATS.md, "postprocess").
     *
     * @param type the output decoder: {@code yolov8} (alias {@code yolo}; YOLOv8/v11 layout {@code
     *     [N, 4 + classes, anchors]}), {@code yolov5} (YOLOv5/v7 {@code [N, anchors, 5 +
     *     classes]}), {@code end2end} (boxes after NMS in the model), {@code nanodet} (GFL
     *     per-stride scores and box distributions) or {@code classification} (logits {@code [N,
     *     classes]})
     * @param labels class names, index = class id (inline, or read from {@code labelsFile})
     * @param confidence minimum score kept (detectors)
     * @param iou non-maximum-suppression IoU threshold (detectors that need NMS)
     * @param topK number of classes reported (classification)
     * @param maxDetections most boxes reported per frame (detectors)
     * @param coordinates {@code pixels} (of the model input) or {@code normalized} (0..1)
     * @param outputs output tensor names in the order the decoder reads them; empty: found by shape
     *     and name (docs/FORMATS.md)
     * @param strides feature-map strides (nanodet)
     * @param regMax last bin of the box distributions (nanodet); 0: from the output's width
     * @param boxFormat corner order of end2end boxes: {@code xyxy} or {@code yxyx}
     * @param centerOffset where a cell's anchor sits inside it, in strides (nanodet: 0.5; 0 for
     *     NanoDet-Plus)
     */
    public record Postprocess(
            String type,
            List<String> labels,
            double confidence,
            double iou,
            int topK,
            int maxDetections,
            String coordinates,
            List<String> outputs,
            List<Integer> strides,
            int regMax,
            String boxFormat,
            double centerOffset) {

        /** The former five-field form: YOLOv8/classification, pixel coordinates. */
        public Postprocess(
                String type, List<String> labels, double confidence, double iou, int topK) {
            this(
                    type,
                    labels,
                    confidence,
                    iou,
                    topK,
                    100,
                    "pixels",
                    List.of(),
                    List.of(8, 16, 32),
                    0,
                    "xyxy",
                    0.5);
        }

        /** True for a detector (boxes), false for classification. */
        public boolean detects() {
            return !type.equals("classification");
        }
    }
}
