package io.coedge.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.TypeConversionException;

/**
 * Every number and duration a user types, checked before any command runs: each numeric or duration
 * option of every command has its accepted range here ({@link #RANGES}, which a test keeps
 * complete), the converters say in words what they expected, and a bad value ends the command with
 * one line naming the option and the range, the usage hint, and exit code 2 (no exception class
 * names, no usage screen).
 */
final class CliValues {
    private CliValues() {}

    /** Accepted values: {@code min} (or above it when exclusive) to {@code max}. */
    record Range(double min, boolean minExclusive, double max) {
        boolean accepts(double v) {
            return !Double.isNaN(v) && (minExclusive ? v > min : v >= min) && v <= max;
        }

        String describe(boolean duration) {
            String lo = number(min, duration);
            if (max == Double.POSITIVE_INFINITY) {
                return minExclusive
                        ? (duration ? "longer than " : "greater than ") + lo
                        : "at least " + lo;
            }
            return (minExclusive
                            ? "greater than " + lo + " and at most "
                            : "between " + lo + " and ")
                    + number(max, duration);
        }

        private static String number(double v, boolean duration) {
            String s =
                    v == Math.rint(v) && Math.abs(v) < 1e15
                            ? Long.toString((long) v)
                            : String.format(Locale.ROOT, "%s", v);
            return duration ? s + "s" : s;
        }
    }

    static Range positive() {
        return new Range(0, true, Double.POSITIVE_INFINITY);
    }

    static Range atLeast(double min) {
        return new Range(min, false, Double.POSITIVE_INFINITY);
    }

    static Range between(double min, double max) {
        return new Range(min, false, max);
    }

    private static final Range PORT = between(0, 65535);
    private static final Range ANY = new Range(Long.MIN_VALUE, false, Double.POSITIVE_INFINITY);

    /** Command (as typed after {@code coedge}) and option -> accepted range. */
    static final Map<String, Range> RANGES =
            Map.ofEntries(
                    Map.entry("produce --cameras", atLeast(1)),
                    Map.entry("produce --fps", positive()),
                    Map.entry("produce --duration", positive()),
                    Map.entry("produce --count", atLeast(0)),
                    Map.entry("produce --seed", ANY),
                    Map.entry("produce --loop-frames", atLeast(1)),
                    Map.entry("produce --deadline-ms", between(1, 3_600_000)),
                    Map.entry("produce --first-sequence", atLeast(0)),
                    Map.entry("produce --quality", between(2, 31)),
                    Map.entry("produce --max-width", atLeast(16)),
                    Map.entry("produce --partitions", atLeast(1)),
                    Map.entry("topics create --partitions", atLeast(1)),
                    Map.entry("results --duration", positive()),
                    Map.entry("results --expect", atLeast(0)),
                    Map.entry("results --partitions", atLeast(1)),
                    Map.entry("kafka --port", PORT),
                    Map.entry("kafka --partitions", atLeast(1)),
                    Map.entry("demo --duration", positive()),
                    Map.entry("demo --web-port", PORT),
                    Map.entry("demo --metrics-port", PORT),
                    Map.entry("demo --live-port", PORT),
                    Map.entry("run --metrics-port", PORT),
                    Map.entry("results --port", PORT),
                    Map.entry("bench preprocess --frames", atLeast(1)),
                    Map.entry("bench preprocess --rounds", atLeast(1)),
                    Map.entry("models fetch --max-batch-size", between(1, 1024)),
                    Map.entry("models import --max-batch-size", between(1, 1024)),
                    Map.entry("cluster link --bandwidth", positive()),
                    Map.entry("cluster link --latency", atLeast(0)),
                    Map.entry("cluster node --cpu", positive()),
                    Map.entry("run --duration", positive()),
                    Map.entry("run --web-port", PORT),
                    Map.entry("run --partitions", atLeast(1)),
                    Map.entry("bench decode --duration", positive()),
                    Map.entry("bench decode --pairs", atLeast(1)),
                    Map.entry("bench decode --warm-up", atLeast(0)),
                    Map.entry("bench faults --frames", atLeast(1)),
                    Map.entry("bench faults --fps", positive()),
                    Map.entry("bench faults --checkpoint-ms", atLeast(100)),
                    Map.entry("bench heap --fps", positive()),
                    Map.entry("bench heap --duration", positive()),
                    Map.entry("bench heap --sidecar-port", PORT),
                    Map.entry("produce --origin-wait", positive()),
                    Map.entry("bench metrics --duration", positive()),
                    Map.entry("bench metrics --pairs", atLeast(1)),
                    Map.entry("bench metrics --warm-up", atLeast(0)),
                    Map.entry("bench policies --duration", positive()),
                    Map.entry("bench policies --warm-up", atLeast(0)),
                    Map.entry("bench policies --repeat", atLeast(1)),
                    Map.entry("bench policies --settle", atLeast(0)),
                    Map.entry("bench policies --load", positive()),
                    Map.entry("bench live-link --drop-at", atLeast(0)),
                    Map.entry("bench live-link --restore-at", atLeast(0)),
                    Map.entry("bench live-link --duration", positive()),
                    Map.entry("bench live-link --window", positive()),
                    Map.entry("bench throughput --batch", atLeast(1)),
                    Map.entry("bench throughput --frames", atLeast(1)),
                    Map.entry("bench throughput --direct-for", positive()),
                    Map.entry("sim --seed", ANY),
                    Map.entry("models generate --seed", ANY),
                    Map.entry("cluster up --nodes", atLeast(1)),
                    Map.entry("cluster up --sidecar-threads", atLeast(0)),
                    Map.entry("cluster up --kafka-port", PORT),
                    Map.entry("cluster up --rest-port", PORT),
                    Map.entry("cluster up --rpc-port", PORT),
                    Map.entry("sidecar --port", PORT),
                    Map.entry("sidecar --metrics-port", PORT),
                    Map.entry("sidecar --max-message-bytes", atLeast(1024)),
                    Map.entry("sidecar --concurrency", atLeast(1)),
                    Map.entry("sidecar --warmup-runs", atLeast(0)),
                    Map.entry("sidecar --reprofile-after", atLeast(0)));

    /** Converters, the parameter-exception handler and the range check, on {@code cli}. */
    static void install(CommandLine cli) {
        cli.registerConverter(Duration.class, CliValues::duration);
        cli.registerConverter(
                Integer.class, v -> (int) whole(v, Integer.MIN_VALUE, Integer.MAX_VALUE));
        cli.registerConverter(int.class, v -> (int) whole(v, Integer.MIN_VALUE, Integer.MAX_VALUE));
        cli.registerConverter(Long.class, v -> whole(v, Long.MIN_VALUE, Long.MAX_VALUE));
        cli.registerConverter(long.class, v -> whole(v, Long.MIN_VALUE, Long.MAX_VALUE));
        cli.registerConverter(Double.class, CliValues::decimal);
        cli.registerConverter(double.class, CliValues::decimal);
        cli.setParameterExceptionHandler(CliValues::handle);
        CommandLine.IExecutionStrategy run = new CommandLine.RunLast();
        cli.setExecutionStrategy(
                parseResult -> {
                    check(parseResult);
                    return run.execute(parseResult);
                });
    }

    static Duration duration(String text) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    private static long whole(String text, long min, long max) {
        try {
            long v = Long.parseLong(text.trim().replace("_", ""));
            if (v < min || v > max) {
                throw new TypeConversionException("'" + text + "' is too large");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is not a whole number");
        }
    }

    private static double decimal(String text) {
        try {
            double v = Double.parseDouble(text.trim());
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is not a number");
        }
    }

    /** The command as typed after {@code coedge}, e.g. {@code cluster up}. */
    static String commandKey(CommandSpec spec) {
        String q = spec.qualifiedName(" ");
        int space = q.indexOf(' ');
        return space < 0 ? "" : q.substring(space + 1);
    }

    /** Numeric and duration options of {@code spec}: the ones {@link #RANGES} must cover. */
    static List<OptionSpec> valueOptions(CommandSpec spec) {
        List<OptionSpec> out = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            Class<?> t = o.type();
            if (Number.class.isAssignableFrom(t)
                    || (t.isPrimitive() && t != boolean.class)
                    || t == Duration.class) {
                out.add(o);
            }
        }
        return out;
    }

    /** Checks every typed value against its range. */
    static void check(ParseResult parseResult) {
        for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
            CommandSpec spec = pr.commandSpec();
            for (OptionSpec o : pr.matchedOptions()) {
                Range range = RANGES.get(commandKey(spec) + " " + o.longestName());
                Object value = o.getValue();
                double v;
                if (range == null || value == null) {
                    continue;
                } else if (value instanceof Duration d) {
                    v = d.toNanos() / 1e9;
                } else if (value instanceof Number n) {
                    v = n.doubleValue();
                } else {
                    continue;
                }
                if (!range.accepts(v)) {
                    List<String> typed = o.originalStringValues();
                    String got =
                            typed.isEmpty() ? String.valueOf(value) : typed.get(typed.size() - 1);
                    throw new ParameterException(
                            spec.commandLine(),
                            o.longestName()
                                    + " must be "
                                    + range.describe(value instanceof Duration)
                                    + ", not "
                                    + got);
                }
            }
        }
    }

    /** One line with the reason, one with the usage hint; exit code 2. */
    static int handle(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        String command = cl.getCommandSpec().qualifiedName(" ");
        String message = e.getMessage() == null ? "invalid arguments" : e.getMessage();
        message =
                message.replaceFirst(
                        "^Invalid value for option '([^']+)'( \\([^)]*\\))?: ", "$1: ");
        cl.getErr().println(command + ": " + message);
        cl.getErr().println("Try '" + command + " --help' for more information.");
        cl.getErr().flush();
        return cl.getCommandSpec().exitCodeOnInvalidInput();
    }
}
