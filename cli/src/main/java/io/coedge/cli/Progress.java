package io.coedge.cli;

/**
 * A one-line progress display on stderr: rewritten in place on a terminal, one line per update
 * otherwise (logs, CI).
 */
final class Progress {
    private final String name;
    private final boolean terminal = System.console() != null;
    private int width;

    private Progress(String name) {
        this.name = name;
    }

    static Progress line(String name) {
        return new Progress(name);
    }

    void update(String text) {
        String line = "coedge " + name + ": " + text;
        if (terminal) {
            System.err.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
            width = line.length();
        } else {
            System.err.println(line);
        }
        System.err.flush();
    }

    void done() {
        if (terminal && width > 0) {
            System.err.println();
        }
    }
}
