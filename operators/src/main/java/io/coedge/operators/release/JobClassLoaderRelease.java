package io.coedge.operators.release;

import io.coedge.operators.pre.ImageDecoder;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.runtime.ObjectMethods;
import java.security.AccessControlContext;
import java.security.ProtectionDomain;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.util.FlinkUserCodeClassLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Undoes, when Flink frees a job's user-code class loader on a TaskManager, what the job left in
 * JVM-wide state that would otherwise keep that class loader, and with it every class of the job
 * jar (about 30 MB of Metaspace), alive after the job: on a session cluster each job in turn would
 * add one, until {@code OutOfMemoryError: Metaspace} (docs/DEPLOY.md, "Jobs one after another").
 * Each holder below was found as a path from a GC root to the class loader in a heap dump of a
 * TaskManager after a few jobs:
 *
 * <ul>
 *   <li>libjpeg-turbo's binding: JNA's {@code Native.register} keeps JNI global references to the
 *       bound methods and the class in its static tables ({@link
 *       ImageDecoder#releaseNativeLibrary}).
 *   <li>JNA's cleaner thread, one per TaskManager (JNA is loaded parent-first), started by the
 *       first job that used JNA: a thread inherits the protection domains on its creator's stack
 *       ({@code Thread.inheritedAccessControlContext} up to Java 23), and one of them holds that
 *       job's class loader. The thread is given an empty context.
 *   <li>Java 17's {@code MethodHandle.asTypeCache} (JDK-8078641, fixed in Java 18): the static
 *       method handles of {@link ObjectMethods} keep the last type they were adapted to, a record
 *       of the job's (the bootstrap of a record's {@code equals}, {@code hashCode} and {@code
 *       toString}). They are adapted once more, to JDK types.
 * </ul>
 *
 * <p>Registered only where the job's classes come from a Flink user-code class loader (a session
 * cluster); where they are on the application class path (the MiniCluster of {@code coedge run},
 * tests), nothing is freed and nothing is undone.
 */
public final class JobClassLoaderRelease {
    private static final Logger LOG = LoggerFactory.getLogger(JobClassLoaderRelease.class);

    /** The hook's name: one per job and TaskManager, whichever operator registers it first. */
    static final String HOOK = "coedge-job-class-loader-release";

    private static final String JNA_CLEANER_THREAD = "com.sun.jna.internal.Cleaner$CleanerThread";

    private JobClassLoaderRelease() {}

    /** Registers the release with Flink, when this job's classes are the job's own. */
    public static void register(RuntimeContext context) {
        if (ownedByJob()) {
            context.registerUserCodeClassLoaderReleaseHookIfAbsent(
                    HOOK, JobClassLoaderRelease::run);
        }
    }

    /** Whether these classes were loaded by a job's user-code class loader. */
    static boolean ownedByJob() {
        return JobClassLoaderRelease.class.getClassLoader() instanceof FlinkUserCodeClassLoader;
    }

    /** Undoes each holder; one that fails is logged and the others still run. */
    static void run() {
        step("libjpeg-turbo binding", ImageDecoder::releaseNativeLibrary);
        step("JNA cleaner thread context", JobClassLoaderRelease::forgetJnaCleanerContext);
        step("record method handle caches", JobClassLoaderRelease::flushRecordMethodCaches);
    }

    private interface Step {
        void run() throws Throwable;
    }

    private static void step(String what, Step step) {
        try {
            step.run();
        } catch (Throwable t) {
            LOG.warn(
                    "releasing the job's classes: {} not undone, the class loader may stay: {}",
                    what,
                    t.toString());
        }
    }

    /**
     * Gives JNA's cleaner thread an empty inherited access control context. Nothing to do where the
     * field is gone (Java 24) or the thread not started. Needs {@code java.base/java.lang} open,
     * which Flink's JVM options on Java 17 and the process cluster's give.
     */
    @SuppressWarnings("removal")
    static void forgetJnaCleanerContext() throws ReflectiveOperationException {
        Field inherited;
        try {
            inherited = Thread.class.getDeclaredField("inheritedAccessControlContext");
        } catch (NoSuchFieldException gone) {
            return;
        }
        inherited.setAccessible(true);
        AccessControlContext empty = new AccessControlContext(new ProtectionDomain[0]);
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getClass().getName().equals(JNA_CLEANER_THREAD)) {
                inherited.set(t, empty);
            }
        }
    }

    /**
     * Adapts the static method handles of {@link ObjectMethods} to {@code String} (a record of one
     * {@code String} component, as far as the bootstrap is concerned), so that their one-entry
     * {@code asType} caches hold JDK types instead of the job's records.
     */
    static void flushRecordMethodCaches() throws Throwable {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        MethodHandle component = MethodHandles.identity(String.class);
        ObjectMethods.bootstrap(
                lookup,
                "equals",
                MethodType.methodType(boolean.class, String.class, Object.class),
                String.class,
                "value",
                component);
        ObjectMethods.bootstrap(
                lookup,
                "hashCode",
                MethodType.methodType(int.class, String.class),
                String.class,
                "value",
                component);
        ObjectMethods.bootstrap(
                lookup,
                "toString",
                MethodType.methodType(String.class, String.class),
                String.class,
                "value",
                component);
    }
}
