package io.coedge.catalog;

import static io.coedge.yaml.Check.between;
import static io.coedge.yaml.Check.list;
import static io.coedge.yaml.Check.oneOf;
import static io.coedge.yaml.Check.positive;
import static io.coedge.yaml.Check.required;
import static io.coedge.yaml.Check.text;
import static io.coedge.yaml.Check.texts;
import static io.coedge.yaml.Check.that;
import static java.util.Objects.requireNonNullElse;

import java.util.List;
import java.util.Set;

/**
 * A catalog file as written (docs/FORMATS.md), bound by Jackson: each record is one mapping of the
 * file, its components the fields (boxed, so an absent field is {@code null}), its compact
 * constructor the defaults and ranges. {@link CatalogLoader} checks the cross-references and builds
 * the {@link Catalog}.
 */
record CatalogFile(
        List<Node> nodes, List<Model> models, List<Task> tasks, Network network, List<Link> links) {
    CatalogFile {
        nodes = list("nodes", nodes);
        models = list("models", models);
        tasks = list("tasks", tasks);
        network = requireNonNullElse(network, new Network(null, null));
        links = requireNonNullElse(links, List.of());
    }

    record Node(String id, String sidecar, String accelerator) {
        Node {
            id = text("id", id);
            sidecar = text("sidecar", sidecar, "127.0.0.1:8001");
            int colon = sidecar.lastIndexOf(':');
            that(colon > 0, "sidecar", "must be host:port, was '" + sidecar + "'");
            String port = sidecar.substring(colon + 1);
            that(
                    port.matches("\\d{1,5}")
                            && Integer.parseInt(port) >= 1
                            && Integer.parseInt(port) <= 65535,
                    "sidecar",
                    "must end in a port from 1 to 65535, was '" + sidecar + "'");
            accelerator = text("accelerator", accelerator, "cpu");
            that(
                    accelerator.equals("cpu") || accelerator.matches("cuda:\\d+"),
                    "accelerator",
                    "must be cpu or cuda:N, was '" + accelerator + "'");
        }

        NodeSpec spec() {
            return new NodeSpec(id, sidecar, accelerator);
        }
    }

    record Model(
            String name,
            Long maxBatch,
            Input input,
            Preprocess preprocess,
            Postprocess postprocess) {
        Model {
            name = text("name", name);
            maxBatch = between("maxBatch", maxBatch, 8L, 1, 1024);
            input = required("input", input);
            preprocess =
                    requireNonNullElse(
                            preprocess, new Preprocess(null, null, null, null, null, null));
            postprocess = required("postprocess", postprocess);
            that(
                    !input.dtype().equals("uint8") || preprocess.leavesPixelsAsTheyAre(),
                    "preprocess",
                    "a uint8 input takes the 0..255 pixels as they are: scale, mean and std do not"
                            + " apply (leave them out)");
        }

        /** {@code labelsFile} names are read by {@code labelFiles} (the loader's). */
        ModelSpec spec(java.util.function.Function<String, List<String>> labelFiles) {
            return new ModelSpec(
                    name,
                    new ModelSpec.InputSpec(
                            input.name(),
                            input.width().intValue(),
                            input.height().intValue(),
                            input.channels().intValue(),
                            input.layout(),
                            input.dtype()),
                    new ModelSpec.Preprocess(
                            preprocess.resize(),
                            preprocess.scale(),
                            preprocess.mean(),
                            preprocess.std(),
                            preprocess.channelOrder(),
                            preprocess.padValue().intValue()),
                    postprocess.spec(
                            postprocess.labelsFile() == null
                                    ? postprocess.labels()
                                    : labelFiles.apply(postprocess.labelsFile())),
                    maxBatch.intValue());
        }
    }

    record Input(String name, Long width, Long height, Long channels, String layout, String dtype) {
        Input {
            name = text("name", name, "input");
            width = between("width", width, null, 1, 8192);
            height = between("height", height, null, 1, 8192);
            channels = between("channels", channels, 3L, 3, 3);
            layout = oneOf("layout", layout, "NCHW", Set.of("NCHW", "NHWC"));
            dtype = oneOf("dtype", dtype, "float32", Set.of("float32", "uint8"));
        }
    }

    record Preprocess(
            String resize,
            Double scale,
            List<Double> mean,
            List<Double> std,
            String channelOrder,
            Long padValue) {
        private static final double DEFAULT_SCALE = 1.0 / 255.0;

        Preprocess {
            resize = oneOf("resize", resize, "stretch", Set.of("stretch", "letterbox"));
            scale = between("scale", scale, DEFAULT_SCALE, 1e-9, 1e9);
            mean = List.copyOf(requireNonNullElse(mean, List.of(0.0, 0.0, 0.0)));
            that(
                    mean.size() == 3,
                    "mean",
                    "must list 3 numbers (one per channel), was " + mean.size());
            std = List.copyOf(requireNonNullElse(std, List.of(1.0, 1.0, 1.0)));
            that(
                    std.size() == 3,
                    "std",
                    "must list 3 numbers (one per channel), was " + std.size());
            for (int c = 0; c < 3; c++) {
                positive("std[" + c + "]", std.get(c), null);
            }
            channelOrder = oneOf("channelOrder", channelOrder, "RGB", Set.of("RGB", "BGR"));
            padValue = between("padValue", padValue, 114L, 0, 255);
        }

        /** Scale, mean and std at their defaults, as a uint8 input needs. */
        boolean leavesPixelsAsTheyAre() {
            return scale == DEFAULT_SCALE
                    && mean.stream().allMatch(m -> m == 0.0)
                    && std.stream().allMatch(v -> v == 1.0);
        }
    }

    record Postprocess(
            String type,
            List<String> labels,
            String labelsFile,
            Double confidence,
            Double iou,
            Long topK,
            Long maxDetections,
            String coordinates,
            List<String> outputs,
            List<Long> strides,
            Long regMax,
            String boxFormat,
            Double centerOffset) {
        static final Set<String> TYPES =
                Set.of("yolo", "yolov8", "yolov5", "end2end", "nanodet", "classification");

        Postprocess {
            type = oneOf("type", type, null, TYPES);
            that(
                    labels == null || labelsFile == null,
                    "labelsFile",
                    "give class names inline (labels) or in a file (labelsFile), not both");
            labels = labelsFile == null ? texts("labels", labels) : null;
            labelsFile = labelsFile == null ? null : text("labelsFile", labelsFile);
            confidence = between("confidence", confidence, 0.25, 0.0, 1.0);
            iou = between("iou", iou, 0.45, 0.0, 1.0);
            topK = between("topK", topK, 5L, 1, 1000);
            maxDetections = between("maxDetections", maxDetections, 100L, 1, 10_000);
            coordinates =
                    oneOf("coordinates", coordinates, "pixels", Set.of("pixels", "normalized"));
            outputs = outputs == null || outputs.isEmpty() ? List.of() : texts("outputs", outputs);
            strides = List.copyOf(requireNonNullElse(strides, List.of(8L, 16L, 32L)));
            that(!strides.isEmpty(), "strides", "must list at least one stride");
            for (int i = 0; i < strides.size(); i++) {
                between("strides[" + i + "]", strides.get(i), null, 1, 1024);
            }
            regMax = between("regMax", regMax, 0L, 0, 1024);
            boxFormat = oneOf("boxFormat", boxFormat, "xyxy", Set.of("xyxy", "yxyx"));
            centerOffset = between("centerOffset", centerOffset, 0.5, 0.0, 1.0);
        }

        ModelSpec.Postprocess spec(List<String> names) {
            return new ModelSpec.Postprocess(
                    type.equals("yolo") ? "yolov8" : type,
                    names,
                    confidence,
                    iou,
                    topK.intValue(),
                    maxDetections.intValue(),
                    coordinates,
                    outputs,
                    strides.stream().map(Long::intValue).toList(),
                    regMax.intValue(),
                    boxFormat,
                    centerOffset);
        }
    }

    record Task(
            String id,
            String model,
            List<String> cameras,
            Double fps,
            Long deadlineMs,
            String origin,
            Frame frame,
            Long inputBytes) {
        Task {
            id = text("id", id);
            model = text("model", model);
            cameras = texts("cameras", cameras);
            fps = between("fps", fps, null, 0.001, 1000);
            deadlineMs = between("deadlineMs", deadlineMs, null, 1, 3_600_000);
            origin = text("origin", origin);
            frame = requireNonNullElse(frame, new Frame(null, null));
            // A camera JPEG at usual quality is about 1.5 bits per pixel.
            inputBytes =
                    between(
                            "inputBytes",
                            inputBytes,
                            frame.width() * frame.height() * 3 / 16,
                            1,
                            1L << 30);
        }

        TaskSpec spec() {
            return new TaskSpec(
                    id,
                    model,
                    cameras,
                    fps,
                    deadlineMs,
                    origin,
                    frame.width().intValue(),
                    frame.height().intValue(),
                    inputBytes);
        }
    }

    record Frame(Long width, Long height) {
        Frame {
            width = between("width", width, 640L, 16, 8192);
            height = between("height", height, 480L, 16, 8192);
        }
    }

    record Network(Double bandwidthMbps, Double latencyMs) {
        Network {
            bandwidthMbps = between("bandwidthMbps", bandwidthMbps, 100.0, 0.001, 1e6);
            latencyMs = between("latencyMs", latencyMs, 2.0, 0, 60_000);
        }
    }

    /** One direction; {@code latencyMs} is {@code null} when the network's applies. */
    record Link(String from, String to, Double bandwidthMbps, Double latencyMs) {
        Link {
            from = text("from", from);
            to = text("to", to);
            bandwidthMbps = between("bandwidthMbps", bandwidthMbps, null, 0.001, 1e6);
            latencyMs = latencyMs == null ? null : between("latencyMs", latencyMs, null, 0, 60_000);
        }
    }
}
