package io.coedge.deploy.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs iproute2's {@code ip} and {@code tc} as child processes. Why not netlink from Java: no
 * well-kept Java netlink library exists (the few on Maven Central are unmaintained and cover
 * neither network namespaces nor qdiscs), and iproute2 is the reference tool whose commands people
 * can read back from the log and repeat by hand.
 */
final class Iproute {
    private Iproute() {}

    /** Runs one command; fails with its error output. */
    static String run(List<String> command) throws IOException {
        Result r = tryRun(command);
        if (r.code != 0) {
            throw new IOException(
                    "`"
                            + String.join(" ", command)
                            + "` failed (exit "
                            + r.code
                            + "): "
                            + r.output.strip());
        }
        return r.output;
    }

    record Result(int code, String output) {}

    /** Runs one command and returns its exit code and output (stdout and stderr). */
    static Result tryRun(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("`" + String.join(" ", command) + "` did not finish in 30 s");
            }
            return new Result(p.exitValue(), out);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
    }
}
