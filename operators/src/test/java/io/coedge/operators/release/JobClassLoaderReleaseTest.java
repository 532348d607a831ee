package io.coedge.operators.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.coedge.format.ErrorCode;
import io.coedge.operators.pre.ImageDecoder;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.time.Duration;
import javax.imageio.ImageIO;
import org.apache.flink.util.ChildFirstClassLoader;
import org.apache.flink.util.FlinkUserCodeClassLoader;
import org.junit.jupiter.api.Test;

/**
 * A job's classes in a Flink user-code class loader of their own, as on a session cluster: after
 * the job decoded a JPEG with libjpeg-turbo and used a record's {@code equals}, {@code hashCode}
 * and {@code toString}, its class loader stays reachable from JVM-wide state (JNA's JNI references
 * and tables, Java 17's method handle caches) until {@link JobClassLoaderRelease} runs, and is
 * collected after.
 */
class JobClassLoaderReleaseTest {

    @Test
    void aJobsClassLoaderIsCollectedAfterTheRelease() throws Exception {
        assumeThat(ImageDecoder.system().isNative())
                .as("libturbojpeg0 is installed (.ci/run installs it)")
                .isTrue();
        // On a thread of its own that ends, as the job's tasks and pre-processing threads do.
        byte[] jpeg = jpeg();
        Object[] result = new Object[1];
        Thread task =
                new Thread(
                        () -> {
                            try {
                                result[0] = runJob(jpeg);
                            } catch (Throwable t) {
                                result[0] = t;
                            }
                        },
                        "job-task");
        task.start();
        task.join();
        assertThat(result[0]).isInstanceOf(WeakReference.class);
        @SuppressWarnings("unchecked")
        WeakReference<ClassLoader> loader = (WeakReference<ClassLoader>) result[0];
        result[0] = null;

        collect();
        assertThat(loader.get()).as("the job's class loader before the release").isNotNull();

        Class<?> release = loader.get().loadClass(JobClassLoaderRelease.class.getName());
        assertThat(release).isNotSameAs(JobClassLoaderRelease.class);
        var run = release.getDeclaredMethod("run");
        run.setAccessible(true);
        run.invoke(null);
        release = null;
        run = null;
        ((ChildFirstClassLoader) loader.get()).close();

        await("the job's class loader is collected")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> {
                            collect();
                            return loader.get() == null;
                        });
    }

    @Test
    void registeredOnlyWhereTheJobsClassesAreTheJobsOwn() throws Exception {
        assertThat(JobClassLoaderRelease.ownedByJob()).as("on the test class path").isFalse();
        try (ChildFirstClassLoader job = jobClassLoader()) {
            var owned =
                    job.loadClass(JobClassLoaderRelease.class.getName())
                            .getDeclaredMethod("ownedByJob");
            owned.setAccessible(true);
            assertThat(owned.invoke(null)).isEqualTo(true);
        }
    }

    /**
     * Loads the job's classes child-first, decodes {@code jpeg} with them and compares two of their
     * records; returns the class loader, which only JVM-wide state can still hold.
     */
    private static WeakReference<ClassLoader> runJob(byte[] jpeg) throws Exception {
        ChildFirstClassLoader job = jobClassLoader();
        Class<?> decoderClass = job.loadClass(ImageDecoder.class.getName());
        assertThat(decoderClass).isNotSameAs(ImageDecoder.class);
        Object decoder = decoderClass.getMethod("system").invoke(null);
        assertThat(decoderClass.getMethod("isNative").invoke(decoder)).isEqualTo(true);
        Class<?> targetClass = job.loadClass(ImageDecoder.Target.class.getName());
        var newTarget = targetClass.getConstructor(int.class, int.class, boolean.class);
        Object target = newTarget.newInstance(32, 24, true);
        assertThat(target).isEqualTo(newTarget.newInstance(32, 24, true));
        assertThat(target.hashCode()).isEqualTo(newTarget.newInstance(32, 24, true).hashCode());
        assertThat(target.toString()).contains("32");
        Class<?> budgetClass = job.loadClass("io.coedge.operators.pre.DecodeBudget");
        Object budget = budgetClass.getMethod("unbounded").invoke(null);
        try (AutoCloseable decoding =
                (AutoCloseable)
                        decoderClass
                                .getMethod("decode", byte[].class, targetClass, budgetClass)
                                .invoke(decoder, jpeg, target, budget)) {
            assertThat(decoding).isNotNull();
        }
        return new WeakReference<>(job);
    }

    /** Flink's child-first class loader over the job's classes (this module's and core's). */
    private static ChildFirstClassLoader jobClassLoader() {
        URL operators = ImageDecoder.class.getProtectionDomain().getCodeSource().getLocation();
        URL core = ErrorCode.class.getProtectionDomain().getCodeSource().getLocation();
        ChildFirstClassLoader job =
                new ChildFirstClassLoader(
                        new URL[] {operators, core},
                        JobClassLoaderReleaseTest.class.getClassLoader(),
                        new String[] {
                            "java.", "javax.", "org.apache.flink.", "org.slf4j", "com.sun.jna."
                        },
                        FlinkUserCodeClassLoader.NOOP_EXCEPTION_HANDLER);
        return job;
    }

    private static byte[] jpeg() throws Exception {
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(8, 8, 40, 24);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, "jpg", out)).isTrue();
        return out.toByteArray();
    }

    /** A full collection, the finalizers it found pending, and another. */
    private static void collect() {
        System.gc();
        System.runFinalization();
        System.gc();
    }
}
