package io.coedge.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The report of a bench that writes a table and a chart ({@code bench policies --testbed}, {@code
 * bench live-link}): {@code NAME.csv}, {@code NAME.md} and {@code NAME.svg} in the output folder,
 * and the line that tells the user where they are.
 */
final class ReportFiles {
    private ReportFiles() {}

    /** Writes the three files into {@code out} (created when missing), CSV first. */
    static void write(Path out, String name, String csv, String markdown, String svg)
            throws IOException {
        Files.createDirectories(out);
        Files.writeString(out.resolve(name + ".csv"), csv);
        Files.writeString(out.resolve(name + ".md"), markdown);
        Files.writeString(out.resolve(name + ".svg"), svg);
    }

    /** {@code coedge bench: wrote OUT/NAME.csv, OUT/NAME.md and OUT/NAME.svg}. */
    static String wrote(Path out, String name) {
        return "coedge bench: wrote "
                + out.resolve(name + ".csv")
                + ", "
                + out.resolve(name + ".md")
                + " and "
                + out.resolve(name + ".svg");
    }
}
