package io.coedge.scheduler.dispatch;

import io.coedge.scheduler.model.Assignment;
import io.coedge.scheduler.model.Task;
import io.coedge.scheduler.model.Topology;
import java.util.HashMap;
import java.util.Map;

/** The talk's first baseline: every task runs on the node its cameras are attached to. */
public record NoOffloadingDispatch() implements DispatchPolicy {

    public static final String NAME = "no-offloading";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Assignment plan(Topology topology, Assignment previous) {
        Map<String, String> out = new HashMap<>();
        for (Task t : topology.tasks()) {
            out.put(t.id(), t.origin());
        }
        return new Assignment(out);
    }
}
