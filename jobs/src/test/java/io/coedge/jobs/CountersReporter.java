package io.coedge.jobs;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * A Flink metric reporter for tests in this JVM (a MiniCluster's): it keeps every operator counter
 * it is handed, so a test reads the job's own counters live, by operator, subtask and name. Enabled
 * with {@link #configure}.
 */
public final class CountersReporter implements MetricReporter, MetricReporterFactory {
    /** One operator subtask's counter. */
    public record Key(String operator, int subtask, String name) {}

    private static final Map<Key, Counter> COUNTERS = new ConcurrentHashMap<>();

    /** Adds this reporter to a MiniCluster's configuration. */
    public static void configure(org.apache.flink.configuration.Configuration config) {
        config.setString(
                "metrics.reporter.counters.factory.class", CountersReporter.class.getName());
    }

    /** The counter's value now; 0 when the subtask has not registered it. */
    public static long count(String operator, int subtask, String name) {
        Counter c = COUNTERS.get(new Key(operator, subtask, name));
        return c == null ? 0 : c.getCount();
    }

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        return this;
    }

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        Map<String, String> vars = group.getAllVariables();
        String operator = vars.get("<operator_name>");
        String subtask = vars.get("<subtask_index>");
        if (metric instanceof Counter counter && operator != null && subtask != null) {
            COUNTERS.put(new Key(operator, Integer.parseInt(subtask), name), counter);
        }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {}
}
