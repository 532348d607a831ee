package io.coedge.cli;

import io.coedge.models.ModelGenerator;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coedge models}: model repository tools. */
@Command(
        name = "models",
        mixinStandardHelpOptions = true,
        subcommands = ModelsCommand.Generate.class,
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
}
