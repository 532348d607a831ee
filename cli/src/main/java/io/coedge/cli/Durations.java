package io.coedge.cli;

import java.time.Duration;
import java.util.Locale;

/**
 * Durations as people type them: {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, or seconds.
 */
final class Durations {
    private Durations() {}

    static Duration parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("pt")) {
                return Duration.parse(text.trim());
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis(
                        Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            }
            if (t.endsWith("m")) {
                return Duration.ofMillis(
                        Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60_000));
            }
            if (t.endsWith("h")) {
                return Duration.ofMillis(
                        Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 3_600_000));
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a duration; use e.g. 500ms, 30s, 2m or 1h");
        }
    }
}
