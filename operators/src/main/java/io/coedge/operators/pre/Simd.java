package io.coedge.operators.pre;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether {@link Preprocessor} resizes with the JDK Vector API ({@link VectorResize}), decided once
 * per JVM and logged once: only when the JVM was started with {@code --add-modules
 * jdk.incubator.vector} (an incubator module in JDK 17: the {@code coedge} launcher, the process
 * cluster's TaskManagers and the operators' tests add it), the CPU's vectors are 256 bits or wider,
 * and {@value #PROPERTY} is not {@code false}. Otherwise the scalar pass, with the same result.
 * This class itself uses no incubator type, so it loads on any JVM.
 */
final class Simd {
    /** System property: {@code false} keeps the scalar resize (benchmarks compare both). */
    static final String PROPERTY = "coedge.pre.vector";

    static final String MODULE = "jdk.incubator.vector";

    private static final Logger LOG = LoggerFactory.getLogger(Simd.class);

    /** Whether the vector pass is used in this JVM. */
    static final boolean ENABLED = decide();

    private Simd() {}

    private static boolean decide() {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
            LOG.info("Frames are resized by the scalar pass ({}=false)", PROPERTY);
            return false;
        }
        if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            LOG.info(
                    "Frames are resized by the scalar pass: the JVM runs without --add-modules {}"
                            + " (the vector pass is about 4x faster at 1080p)",
                    MODULE);
            return false;
        }
        try {
            if (!VectorResize.worthwhile()) {
                LOG.info(
                        "Frames are resized by the scalar pass: this CPU's vectors ({}) are"
                                + " narrower than 256 bits",
                        VectorResize.shape());
                return false;
            }
            LOG.info("Frames are resized with the Vector API ({})", VectorResize.shape());
            return true;
        } catch (LinkageError e) {
            LOG.warn("Frames are resized by the scalar pass: the Vector API failed to load", e);
            return false;
        }
    }
}
