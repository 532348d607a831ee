package io.coedge.sidecar.cli;

import io.coedge.sidecar.SidecarOptions;
import io.coedge.sidecar.SidecarServer;
import io.coedge.sidecar.runtime.DeviceSelector;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coedge sidecar}: runs the node's shared inference process until stopped. */
@Command(
        name = "sidecar",
        mixinStandardHelpOptions = true,
        description =
                "Serve every model of a Triton-layout ONNX repository over the Open Inference Protocol (gRPC).")
public final class SidecarCommand implements Callable<Integer> {

    @Option(
            names = "--models",
            required = true,
            paramLabel = "DIR",
            description =
                    "Model repository: DIR/<model>/<version>/model.onnx, optional DIR/<model>/config.pbtxt.")
    Path models;

    @Option(
            names = "--port",
            defaultValue = "8001",
            description = "gRPC port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--metrics-port",
            defaultValue = "8002",
            description =
                    "Prometheus /metrics and /v2/health/* port, -1 to disable (default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(
            names = "--device",
            defaultValue = "cpu",
            description = "cpu or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(
            names = "--strict",
            description = "Refuse to start when the requested CUDA device cannot be used.")
    boolean strict;

    @Option(
            names = "--threads",
            defaultValue = "auto",
            paramLabel = "N|auto",
            description =
                    "ONNX Runtime intra-op threads per session: auto = cores - 1 (at least 1),"
                            + " 0 = all cores; a model's config.pbtxt parameter"
                            + " intra_op_thread_count overrides it (default: ${DEFAULT-VALUE}).")
    String threads;

    @Option(
            names = "--bind",
            defaultValue = "127.0.0.1",
            description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(
            names = "--max-message-bytes",
            defaultValue = "67108864",
            description = "Largest request accepted, in bytes (default: ${DEFAULT-VALUE}).")
    int maxMessageBytes;

    @Option(
            names = "--concurrency",
            defaultValue = "1",
            description =
                    "Batches executed at the same time on the accelerator (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(
            names = "--warmup-runs",
            defaultValue = "3",
            description =
                    "Measured warm-up runs per batch size at start (default: ${DEFAULT-VALUE}).")
    int warmUpRuns;

    @Option(
            names = "--reprofile-after",
            defaultValue = "10",
            description =
                    "Seconds after which a model's single-frame latency no request has measured is"
                            + " re-measured by one run while the accelerator is idle; 0 never"
                            + " (default: ${DEFAULT-VALUE}).")
    double reprofileAfterSeconds;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        int intraOp;
        try {
            intraOp =
                    threads.equals("auto")
                            ? SidecarOptions.AUTO_THREADS
                            : Integer.parseInt(threads);
        } catch (NumberFormatException e) {
            intraOp = Integer.MIN_VALUE;
        }
        if (intraOp < SidecarOptions.AUTO_THREADS) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--threads must be auto or at least 0, not " + threads);
        }
        SidecarOptions options =
                SidecarOptions.builder(models)
                        .bind(bind)
                        .port(port)
                        .metricsPort(metricsPort)
                        .device(device)
                        .strict(strict)
                        .threads(intraOp)
                        .maxMessageBytes(maxMessageBytes)
                        .concurrency(concurrency)
                        .warmUpRuns(warmUpRuns)
                        .reprofileAfterMillis(Math.round(reprofileAfterSeconds * 1000))
                        .build();
        SidecarServer server;
        try {
            server = SidecarServer.start(options);
        } catch (DeviceSelector.DeviceUnavailableException e) {
            System.err.println("sidecar: " + e.getMessage());
            return 2;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "coedge-sidecar-shutdown"));
        System.out.printf(
                "sidecar ready: gRPC %s:%d, metrics %d, device %s%n",
                bind, server.port(), server.metricsPort(), server.device().used());
        server.awaitTermination();
        return 0;
    }

    public static void main(String[] args) {
        Logging.useBundledConfigUnlessSet();
        System.exit(new CommandLine(new SidecarCommand()).execute(args));
    }
}
