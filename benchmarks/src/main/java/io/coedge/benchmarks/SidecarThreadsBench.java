package io.coedge.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.coedge.models.ModelGenerator;
import io.coedge.oip.InferInput;
import io.coedge.oip.InferRequest;
import io.coedge.oip.OipClient;
import io.coedge.oip.TensorShapes;
import io.coedge.sidecar.runtime.Device;
import io.coedge.sidecar.runtime.DeviceSelector;
import io.coedge.stats.Latencies;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * ONNX Runtime intra-op threads of a sidecar, side by side in one run: one sidecar process per
 * setting (all cores, cores - 1, 1), all started at once, called by this JVM (an independent client
 * in another process), batch 8 in the message, round-robin call by call so that load from elsewhere
 * on the machine hits every setting alike. The baseline is the same model run in this JVM's own
 * session with ONNX Runtime's default (all cores), in the same rotation. Not part of the test run.
 *
 * <pre>
 * java -cp CLASSPATH io.coedge.benchmarks.SidecarThreadsBench [--out DIR] [--model resnet]
 *      [--batch 8] [--seconds 60]
 * </pre>
 */
public final class SidecarThreadsBench {

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path out = Paths.get(opts.getOrDefault("out", "target/bench-models"));
        String model = opts.getOrDefault("model", "resnet");
        int batch = Integer.parseInt(opts.getOrDefault("batch", "8"));
        double seconds = Double.parseDouble(opts.getOrDefault("seconds", "60"));
        int cores = Runtime.getRuntime().availableProcessors();
        if (!Files.exists(out.resolve(model).resolve("config.pbtxt"))) {
            new ModelGenerator(42, ModelGenerator.Scale.FULL).generateAll(out);
        }
        Path only = Files.createTempDirectory("coedge-bench-threads");
        try (var paths = Files.walk(out.resolve(model))) {
            for (Path p : paths.toList()) {
                Files.copy(
                        p,
                        only.resolve(model).resolve(out.resolve(model).relativize(p).toString()));
            }
        }
        Map<String, Integer> settings = new LinkedHashMap<>();
        settings.put("all cores (" + cores + ")", 0);
        settings.put("cores-1 (" + Math.max(1, cores - 1) + ")", Math.max(1, cores - 1));
        settings.put("1", 1);
        System.out.printf(
                "cores=%d model=%s batch=%d seconds=%.0f java=%s%n",
                cores, model, batch, seconds, System.getProperty("java.version"));

        List<Process> sidecars = new ArrayList<>();
        List<OipClient> clients = new ArrayList<>();
        try {
            for (int threads : settings.values()) {
                int port = freePort();
                sidecars.add(
                        new ProcessBuilder(
                                        Paths.get(System.getProperty("java.home"), "bin", "java")
                                                .toString(),
                                        "-Xmx256m",
                                        "-cp",
                                        System.getProperty("java.class.path"),
                                        "io.coedge.sidecar.cli.SidecarCommand",
                                        "--models",
                                        only.toRealPath().toString(),
                                        "--port",
                                        Integer.toString(port),
                                        "--metrics-port",
                                        "-1",
                                        "--threads",
                                        Integer.toString(threads))
                                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                                .redirectError(ProcessBuilder.Redirect.DISCARD)
                                .start());
                clients.add(OipClient.builder("127.0.0.1:" + port).build());
            }
            for (OipClient c : clients) {
                awaitReady(c);
            }
            var meta = clients.get(0).modelMetadata(model, "");
            long[] shape =
                    meta.getInputs(0).getShapeList().stream().mapToLong(Long::longValue).toArray();
            shape[0] = batch;
            ByteBuffer data =
                    ByteBuffer.allocate(Math.toIntExact(TensorShapes.byteSize(shape, Float.BYTES)))
                            .order(ByteOrder.LITTLE_ENDIAN);
            SplittableRandom r = new SplittableRandom(1);
            var f = data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            while (f.hasRemaining()) {
                f.put((float) r.nextDouble());
            }
            InferRequest request =
                    InferRequest.builder(model)
                            .input(InferInput.fp32(meta.getInputs(0).getName(), shape, data))
                            .build();

            OrtEnvironment env = OrtEnvironment.getEnvironment();
            Device cpu = new Device("cpu", "cpu", Optional.empty());
            try (OrtSession.SessionOptions so = DeviceSelector.sessionOptions(cpu, 0);
                    OrtSession session =
                            env.createSession(
                                    only.resolve(model).resolve("1/model.onnx").toString(), so);
                    OnnxTensor tensor = OnnxTensor.createTensor(env, data.asFloatBuffer(), shape)) {
                String input = session.getInputNames().iterator().next();
                Latencies inProcess = new Latencies();
                List<Latencies> remote = new ArrayList<>();
                clients.forEach(c -> remote.add(new Latencies()));
                // warm-up: 10 s of the same rotation, not recorded
                for (int phase = 0; phase < 2; phase++) {
                    boolean record = phase == 1;
                    long end = System.nanoTime() + (long) ((record ? seconds : 10) * 1e9);
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        try (OrtSession.Result ignored = session.run(Map.of(input, tensor))) {
                            if (record) {
                                inProcess.record(System.nanoTime() - t0);
                            }
                        }
                        for (int i = 0; i < clients.size(); i++) {
                            t0 = System.nanoTime();
                            clients.get(i).infer(request).get(60, TimeUnit.SECONDS);
                            if (record) {
                                remote.get(i).record(System.nanoTime() - t0);
                            }
                        }
                    }
                }
                double base = inProcess.percentile(0.5) / 1e6;
                System.out.printf(
                        "%-34s %6s %9s %9s %9s%n",
                        "setting", "calls", "p50 ms", "p99 ms", "p50/in-process");
                System.out.printf(
                        "%-34s %6d %9.1f %9.1f %9s%n",
                        "in-process session, all cores",
                        inProcess.count(),
                        base,
                        inProcess.percentile(0.99) / 1e6,
                        "1.00");
                int i = 0;
                for (String name : settings.keySet()) {
                    Latencies l = remote.get(i++);
                    System.out.printf(
                            "%-34s %6d %9.1f %9.1f %9.2f%n",
                            "sidecar process, intra-op " + name,
                            l.count(),
                            l.percentile(0.5) / 1e6,
                            l.percentile(0.99) / 1e6,
                            l.percentile(0.5) / 1e6 / base);
                }
            }
        } finally {
            clients.forEach(OipClient::close);
            for (Process p : sidecars) {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            try (var paths = Files.walk(only)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitReady(OipClient client) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < until) {
            try {
                if (client.serverReady()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("sidecar not ready after 180 s");
    }
}
