package io.coedge.sidecar.cli;

/**
 * Standalone runs log INFO to stderr with the bundled config; an embedding launcher keeps its own.
 */
final class Logging {
    private Logging() {}

    static void useBundledConfigUnlessSet() {
        if (System.getProperty("log4j2.configurationFile") == null
                && System.getProperty("log4j.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "classpath:coedge-sidecar-log4j2.xml");
        }
    }
}
