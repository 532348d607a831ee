package io.coedge.scheduler.testutils;

import io.coedge.scheduler.sim.Scenario;
import io.coedge.scheduler.sim.ScenarioLoader;
import java.nio.file.Path;

/** The shipped scenario files (tests run with the module directory as working directory). */
public final class Scenarios {

    private Scenarios() {}

    public static Path file(String name) {
        return Path.of("scenarios", name + ".yaml");
    }

    public static Scenario shipped(String name) {
        return ScenarioLoader.load(file(name));
    }
}
