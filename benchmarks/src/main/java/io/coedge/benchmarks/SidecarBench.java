package io.coedge.benchmarks;

import io.coedge.models.ModelGenerator;
import io.coedge.oip.InferInput;
import io.coedge.oip.InferRequest;
import io.coedge.oip.OipClient;
import io.coedge.oip.SharedMemoryRef;
import io.coedge.oip.SharedMemoryRegion;
import io.coedge.oip.TensorShapes;
import io.coedge.sidecar.SidecarOptions;
import io.coedge.sidecar.SidecarServer;
import io.coedge.sidecar.repository.TensorSpec;
import io.coedge.sidecar.runtime.ModelInstance;
import io.coedge.stats.Latencies;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Sidecar overhead and memory, on real models and real gRPC over loopback. Not part of the test
 * run.
 *
 * <pre>
 * java -cp CLASSPATH io.coedge.benchmarks.SidecarBench [--out DIR] [--models yolo-small,resnet]
 *      [--seconds 6] [--threads 0] [--callers 2] [--warm-up 15] [--memory-model yolo-small] [--xmx 256m]
 *      [--skip-memory] [--skip-throughput] [--batches 1,8]
 * </pre>
 *
 * Throughput: the very session the sidecar serves, called in this JVM, against the same session
 * called through the sidecar with the tensors in the message (raw) and in shared memory (shm),
 * batch sizes 1 and 8 (or --batches): one caller alternating call by call (the added latency), then
 * several closed-loop callers in phases alternating with in-process runs (the capacity). Memory:
 * resident size of a sidecar child process serving 1 then 8 concurrent clients, and of a child
 * process holding 8 separate sessions of the same model (what one session per task would cost).
 */
public final class SidecarBench {
    private static int[] batches = {1, 8};

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        if (opts.containsKey("sessions-child")) {
            sessionsChild(
                    Paths.get(opts.get("out")),
                    opts.get("memory-model"),
                    Integer.parseInt(opts.get("sessions-child")));
            return;
        }
        Path out = Paths.get(opts.getOrDefault("out", "target/bench-models"));
        List<String> models =
                Arrays.asList(opts.getOrDefault("models", "yolo-small,resnet").split(","));
        double seconds = Double.parseDouble(opts.getOrDefault("seconds", "6"));
        String memoryModel = opts.getOrDefault("memory-model", "yolo-small");
        int threads = Integer.parseInt(opts.getOrDefault("threads", "0"));
        callers = Integer.parseInt(opts.getOrDefault("callers", "2"));
        xmx = opts.getOrDefault("xmx", "256m");
        batches =
                Arrays.stream(opts.getOrDefault("batches", "1,8").split(","))
                        .mapToInt(Integer::parseInt)
                        .toArray();
        // generated models unless every requested one is already there (e.g. yolov5s and
        // nanodet-m written by `coedge models fetch --out DIR`)
        if (models.stream().anyMatch(m -> !Files.exists(out.resolve(m).resolve("config.pbtxt")))
                && !Files.exists(out.resolve("yolo-big/config.pbtxt"))) {
            new ModelGenerator(42, ModelGenerator.Scale.FULL).generateAll(out);
        }
        System.out.printf(
                "cores=%d java=%s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        if (!opts.containsKey("skip-throughput")) {
            warmUpTransport(Double.parseDouble(opts.getOrDefault("warm-up", "15")));
            throughput(out, models, seconds, threads);
        }
        if (!opts.containsKey("skip-memory")) {
            memory(out, memoryModel, seconds);
        }
    }

    private static String xmx = "256m";
    private static int callers = 2;

    /**
     * A sidecar runs for months, so its gRPC path is JIT-compiled; a fresh bench JVM is not.
     * Thousands of calls on a tiny model through a second server in this JVM compile the same
     * client, transport and service code before anything is measured (as JMH warm-up would).
     */
    private static void warmUpTransport(double seconds) throws Exception {
        if (seconds <= 0) {
            return;
        }
        Path tiny = Files.createTempDirectory("coedge-bench-warmup");
        ModelGenerator.GeneratedModel m =
                new ModelGenerator(42, ModelGenerator.Scale.TINY).generate("resnet", tiny);
        try (SidecarServer server =
                        SidecarServer.start(
                                SidecarOptions.builder(tiny.toRealPath())
                                        .port(0)
                                        .metricsPort(-1)
                                        .warmUpRuns(1)
                                        .build());
                OipClient client = OipClient.builder("127.0.0.1:" + server.port()).build();
                SharedMemoryRegion region =
                        SharedMemoryRegion.create("coedge-bench-warmup", 1 << 20)) {
            Batch one =
                    Batch.of(
                            m.name(),
                            m.inputName(),
                            m.outputName(),
                            m.inputDims(),
                            m.outputDims(),
                            1);
            Batch eight =
                    Batch.of(
                            m.name(),
                            m.inputName(),
                            m.outputName(),
                            m.inputDims(),
                            m.outputDims(),
                            8);
            List<InferRequest> requests =
                    List.of(
                            one.inMessage(),
                            eight.inMessage(),
                            one.inSharedMemory(client, "warmup-1", region, 0),
                            eight.inSharedMemory(client, "warmup-8", region, one.bytes()));
            long calls = 0;
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                client.infer(requests.get((int) (calls % requests.size())))
                        .get(60, TimeUnit.SECONDS);
                calls++;
            }
            System.out.printf(
                    "transport warm-up: %d calls on a tiny model in %.1f s%n",
                    calls, (System.nanoTime() - start) / 1e9);
        }
    }

    private static void throughput(Path repo, List<String> models, double seconds, int threads)
            throws Exception {
        Path only = Files.createTempDirectory("coedge-bench-repo");
        for (String m : models) {
            copyTree(repo.resolve(m), only.resolve(m));
        }
        try (SidecarServer server =
                        SidecarServer.start(
                                SidecarOptions.builder(only.toRealPath())
                                        .port(0)
                                        .metricsPort(-1)
                                        .warmUpRuns(3)
                                        .threads(threads)
                                        .build());
                OipClient client = OipClient.builder("127.0.0.1:" + server.port()).build()) {
            System.out.println();
            System.out.printf(
                    "%-11s %5s  %-26s %9s %9s %8s %8s%n",
                    "model", "batch", "path", "frames/s", "ratio", "p50 ms", "+p50 ms");
            for (String name : models) {
                ModelInstance instance = server.registry().defaultInstance(name).orElseThrow();
                for (int batch : batches) {
                    // One caller: in-process, raw and shared-memory calls alternate one by one, so
                    // load from elsewhere on the machine hits all alike; the added latency per
                    // call.
                    Stats[] paired = runPaired(instance, client, batch, seconds);
                    // Several callers keep the sidecar's queue non-empty, which is how it serves a
                    // node: its capacity. Phases alternate with in-process runs of the same length.
                    Stats inProcess = new Stats();
                    Stats raw = new Stats();
                    Stats shm = new Stats();
                    for (int round = 0; round < 4; round++) {
                        inProcess.add(runInProcess(instance, batch, seconds / 8));
                        raw.add(runRemote(server, instance, batch, seconds / 8, callers, false));
                        shm.add(runRemote(server, instance, batch, seconds / 8, callers, true));
                    }
                    row(name, batch, "in-process, 1 caller", paired[0], paired[0], batch);
                    row(name, batch, "sidecar raw, 1 caller", paired[1], paired[0], batch);
                    row(name, batch, "sidecar shm, 1 caller", paired[2], paired[0], batch);
                    row(name, batch, "in-process, back to back", inProcess, inProcess, batch);
                    row(name, batch, "sidecar raw, " + callers + " callers", raw, inProcess, batch);
                    row(name, batch, "sidecar shm, " + callers + " callers", shm, inProcess, batch);
                }
            }
        }
    }

    private static void row(
            String model, int batch, String path, Stats stats, Stats baseline, int batchSize) {
        double fps = stats.framesPerSecond(batchSize);
        System.out.printf(
                Locale.ROOT,
                "%-11s %5d  %-26s %9.1f %9.3f %8.2f %8.2f%n",
                model,
                batch,
                path,
                fps,
                fps / baseline.framesPerSecond(batchSize),
                stats.p50Millis(),
                stats.p50Millis() - baseline.p50Millis());
    }

    /**
     * Alternates one in-process call, one call through the sidecar with the tensors in the message
     * and one with them in shared memory; returns {in-process, raw, shared memory}.
     */
    private static Stats[] runPaired(
            ModelInstance instance, OipClient client, int batch, double seconds) throws Exception {
        List<ModelInstance.Input> inputs = directInputs(instance, batch);
        Batch frames = Batch.of(instance, batch);
        InferRequest request = frames.inMessage();
        try (SharedMemoryRegion region =
                SharedMemoryRegion.create("coedge-bench", frames.bytes())) {
            String name = "bench-" + instance.name() + "-" + batch;
            InferRequest viaShm = frames.inSharedMemory(client, name, region, 0);
            Stats local = new Stats();
            Stats remote = new Stats();
            Stats shm = new Stats();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                instance.run(inputs, List.of(), null);
                long t1 = System.nanoTime();
                client.infer(request).get(60, TimeUnit.SECONDS);
                long t2 = System.nanoTime();
                client.infer(viaShm).get(60, TimeUnit.SECONDS);
                long t3 = System.nanoTime();
                local.record(t1 - t0);
                remote.record(t2 - t1);
                shm.record(t3 - t2);
            }
            client.unregisterSystemSharedMemory(name);
            return new Stats[] {local, remote, shm};
        }
    }

    private static List<ModelInstance.Input> directInputs(ModelInstance instance, int batch) {
        List<ModelInstance.Input> inputs = new ArrayList<>();
        for (TensorSpec t : instance.spec().inputs()) {
            long[] shape = TensorShapes.withBatch(batch, t.dims());
            ByteBuffer data =
                    ByteBuffer.allocateDirect(Math.toIntExact(TensorShapes.elements(shape) * 4))
                            .order(ByteOrder.nativeOrder());
            fill(data);
            inputs.add(new ModelInstance.Input(t.name(), t.datatype(), shape, data));
        }
        return inputs;
    }

    private static Stats runInProcess(ModelInstance instance, int batch, double seconds)
            throws Exception {
        List<ModelInstance.Input> inputs = new ArrayList<>();
        for (TensorSpec t : instance.spec().inputs()) {
            long[] shape = TensorShapes.withBatch(batch, t.dims());
            ByteBuffer data =
                    ByteBuffer.allocateDirect(Math.toIntExact(TensorShapes.elements(shape) * 4))
                            .order(ByteOrder.nativeOrder());
            fill(data);
            inputs.add(new ModelInstance.Input(t.name(), t.datatype(), shape, data));
        }
        Stats stats = new Stats();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            instance.run(inputs, List.of(), null);
            stats.latencies.record(System.nanoTime() - t0);
        }
        stats.elapsedNanos = System.nanoTime() - start;
        return stats;
    }

    /**
     * {@code callers} closed-loop clients, each with its own channel (and its own shared memory
     * region).
     */
    private static Stats runRemote(
            SidecarServer server,
            ModelInstance instance,
            int batch,
            double seconds,
            int callers,
            boolean sharedMemory)
            throws Exception {
        Batch frames = Batch.of(instance, batch);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        List<AutoCloseable> open = new ArrayList<>();
        try {
            List<OipClient> clients = new ArrayList<>();
            List<InferRequest> requests = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                OipClient client = OipClient.builder("127.0.0.1:" + server.port()).build();
                open.add(client);
                clients.add(client);
                if (sharedMemory) {
                    SharedMemoryRegion region =
                            SharedMemoryRegion.create("coedge-bench", frames.bytes());
                    open.add(region);
                    String name = "bench-caller-" + c;
                    requests.add(frames.inSharedMemory(client, name, region, 0));
                    open.add(() -> client.unregisterSystemSharedMemory(name));
                } else {
                    requests.add(frames.inMessage());
                }
            }
            long end = System.nanoTime() + (long) (seconds * 1e9);
            long start = System.nanoTime();
            List<Future<Latencies>> futures = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                OipClient own = clients.get(c);
                InferRequest request = requests.get(c);
                futures.add(
                        pool.submit(
                                () -> {
                                    Latencies lat = new Latencies();
                                    while (System.nanoTime() < end) {
                                        long t0 = System.nanoTime();
                                        own.infer(request).get(60, TimeUnit.SECONDS);
                                        lat.record(System.nanoTime() - t0);
                                    }
                                    return lat;
                                }));
            }
            Stats stats = new Stats();
            for (Future<Latencies> f : futures) {
                stats.latencies.add(f.get());
            }
            stats.elapsedNanos = System.nanoTime() - start;
            return stats;
        } finally {
            pool.shutdownNow();
            for (int i = open.size() - 1; i >= 0; i--) {
                open.get(i).close();
            }
        }
    }

    private static void memory(Path repo, String model, double seconds) throws Exception {
        Path only = Files.createTempDirectory("coedge-bench-mem");
        copyTree(repo.resolve(model), only.resolve(model));
        int port = 18000 + new SplittableRandom().nextInt(1000);
        Process sidecar =
                javaChild(
                        "io.coedge.sidecar.cli.SidecarCommand",
                        "--models",
                        only.toRealPath().toString(),
                        "--port",
                        Integer.toString(port),
                        "--metrics-port",
                        "-1");
        try (OipClient client = OipClient.builder("127.0.0.1:" + port).build()) {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < until) {
                try {
                    if (client.serverReady()) {
                        break;
                    }
                } catch (RuntimeException notYet) {
                    // starting
                }
                Thread.sleep(200);
            }
            long idle = rssKb(sidecar.pid());
            Map<Integer, Long> rss = new java.util.TreeMap<>();
            for (int clients : new int[] {1, 8}) {
                loadChild(port, model, repo, clients, seconds);
                rss.put(clients, rssKb(sidecar.pid()));
            }
            System.out.println();
            System.out.printf(
                    "memory (%s, batch 1, closed-loop callers, separate process, -Xmx%s):%n",
                    model, xmx);
            System.out.printf(
                    "  sidecar idle after warm-up          RSS %8.1f MiB%n", idle / 1024.0);
            System.out.printf(
                    "  sidecar after 1 client              RSS %8.1f MiB%n", rss.get(1) / 1024.0);
            System.out.printf(
                    "  sidecar after 8 concurrent clients  RSS %8.1f MiB  (x%.3f of 1 client)%n",
                    rss.get(8) / 1024.0, rss.get(8) / (double) rss.get(1));
        } finally {
            sidecar.destroy();
            sidecar.waitFor(10, TimeUnit.SECONDS);
        }
        for (int sessions : new int[] {1, 8}) {
            Process child =
                    javaChild(
                            "io.coedge.benchmarks.SidecarBench",
                            "--sessions-child",
                            Integer.toString(sessions),
                            "--out",
                            repo.toAbsolutePath().toString(),
                            "--memory-model",
                            model);
            String line = new String(child.getInputStream().readAllBytes()).trim();
            child.waitFor();
            System.out.printf(
                    "  %d separate in-process session(s)     RSS %8.1f MiB%n",
                    sessions, Long.parseLong(line.replaceAll(".*rss_kb=", "")) / 1024.0);
        }
    }

    /** Runs {@code clients} concurrent callers against a running sidecar for a while. */
    private static void loadChild(int port, String model, Path repo, int clients, double seconds)
            throws Exception {
        var m = new ModelGenerator(42, ModelGenerator.Scale.FULL);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<OipClient> open = new ArrayList<>();
        try {
            long end = System.nanoTime() + (long) (seconds * 1e9);
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                OipClient client = OipClient.builder("127.0.0.1:" + port).build();
                open.add(client);
                futures.add(
                        pool.submit(
                                () -> {
                                    var meta = client.modelMetadata(model, "");
                                    long[] shape =
                                            meta.getInputs(0).getShapeList().stream()
                                                    .mapToLong(Long::longValue)
                                                    .toArray();
                                    shape[0] = 1;
                                    ByteBuffer data =
                                            ByteBuffer.allocate(
                                                            Math.toIntExact(
                                                                    TensorShapes.elements(shape)
                                                                            * 4))
                                                    .order(ByteOrder.LITTLE_ENDIAN);
                                    fill(data);
                                    InferRequest request =
                                            InferRequest.builder(model)
                                                    .input(
                                                            InferInput.fp32(
                                                                    meta.getInputs(0).getName(),
                                                                    shape,
                                                                    data))
                                                    .build();
                                    while (System.nanoTime() < end) {
                                        client.infer(request).get(60, TimeUnit.SECONDS);
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
            open.forEach(OipClient::close);
        }
    }

    /**
     * Child process: {@code n} sessions of one model, each run once, then prints its resident size.
     */
    private static void sessionsChild(Path repo, String model, int n) throws Exception {
        var env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        List<ai.onnxruntime.OrtSession> sessions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sessions.add(
                    env.createSession(
                            repo.resolve(model).resolve("1/model.onnx").toString(),
                            new ai.onnxruntime.OrtSession.SessionOptions()));
        }
        for (var s : sessions) {
            var info =
                    (ai.onnxruntime.TensorInfo)
                            s.getInputInfo().values().iterator().next().getInfo();
            long[] shape = info.getShape();
            shape[0] = 1;
            ByteBuffer data =
                    ByteBuffer.allocateDirect(Math.toIntExact(TensorShapes.elements(shape) * 4))
                            .order(ByteOrder.nativeOrder());
            try (var t = ai.onnxruntime.OnnxTensor.createTensor(env, data.asFloatBuffer(), shape);
                    var r = s.run(Map.of(s.getInputNames().iterator().next(), t))) {
                r.get(0);
            }
        }
        System.out.println("rss_kb=" + rssKb(ProcessHandle.current().pid()));
    }

    private static Process javaChild(String mainClass, String... args) throws IOException {
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                Paths.get(System.getProperty("java.home"), "bin", "java")
                                        .toString(),
                                "-Xmx" + xmx,
                                "-cp",
                                System.getProperty("java.class.path"),
                                mainClass));
        cmd.addAll(Arrays.asList(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /**
     * Copies a model directory (a symlink would point outside the repository, which the sidecar
     * refuses).
     */
    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for pid " + pid);
    }

    private static void fill(ByteBuffer data) {
        SplittableRandom r = new SplittableRandom(1);
        var f = data.duplicate().order(data.order()).asFloatBuffer();
        while (f.hasRemaining()) {
            f.put((float) r.nextDouble());
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> out = new java.util.HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String key = args[i].replaceFirst("^--", "");
            boolean flag = i + 1 >= args.length || args[i + 1].startsWith("--");
            out.put(key, flag ? "true" : args[++i]);
        }
        return out;
    }

    /**
     * One batch of the same frames, sent inside the message or placed in a shared memory region.
     */
    private record Batch(
            String model,
            String input,
            String output,
            long[] shape,
            long inputBytes,
            long outputBytes,
            ByteBuffer data) {
        static Batch of(ModelInstance instance, int batch) {
            return of(
                    instance.name(),
                    instance.spec().inputs().get(0).name(),
                    instance.spec().outputs().get(0).name(),
                    instance.spec().inputs().get(0).dims(),
                    instance.spec().outputs().get(0).dims(),
                    batch);
        }

        static Batch of(
                String model,
                String input,
                String output,
                long[] inputDims,
                long[] outputDims,
                int batch) {
            long[] shape = TensorShapes.withBatch(batch, inputDims);
            long inputBytes = TensorShapes.elements(shape) * Float.BYTES;
            ByteBuffer data =
                    ByteBuffer.allocate(Math.toIntExact(inputBytes)).order(ByteOrder.LITTLE_ENDIAN);
            fill(data);
            return new Batch(
                    model,
                    input,
                    output,
                    shape,
                    inputBytes,
                    TensorShapes.elements(TensorShapes.withBatch(batch, outputDims)) * Float.BYTES,
                    data);
        }

        long bytes() {
            return inputBytes + outputBytes;
        }

        InferRequest inMessage() {
            return InferRequest.builder(model).input(InferInput.fp32(input, shape, data)).build();
        }

        /**
         * Registers {@code [offset, offset + bytes())} of {@code region} as {@code name} and copies
         * the frames there.
         */
        InferRequest inSharedMemory(
                OipClient client, String name, SharedMemoryRegion region, long offset) {
            client.registerSystemSharedMemory(name, region.key(), offset, bytes());
            region.slice(offset, inputBytes).put(data.duplicate());
            return InferRequest.builder(model)
                    .input(
                            InferInput.inSharedMemory(
                                    input, "FP32", shape, new SharedMemoryRef(name, 0, inputBytes)))
                    .output(output, new SharedMemoryRef(name, inputBytes, outputBytes))
                    .build();
        }
    }

    private static final class Stats {
        final Latencies latencies = new Latencies();
        long elapsedNanos;

        void record(long nanos) {
            latencies.record(nanos);
            elapsedNanos += nanos;
        }

        void add(Stats other) {
            latencies.add(other.latencies);
            elapsedNanos += other.elapsedNanos;
        }

        double framesPerSecond(int batch) {
            return latencies.count() * (double) batch / (elapsedNanos / 1e9);
        }

        double p50Millis() {
            return latencies.percentile(0.5) / 1e6;
        }
    }
}
