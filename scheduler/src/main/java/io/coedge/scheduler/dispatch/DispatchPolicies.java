package io.coedge.scheduler.dispatch;

import java.util.List;

/** The dispatch policies by command-line name. */
public final class DispatchPolicies {

    public static final List<String> NAMES =
            List.of(NoOffloadingDispatch.NAME, NaiveGlobalDispatch.NAME, CoEdgeDispatch.NAME);

    private DispatchPolicies() {}

    public static DispatchPolicy byName(String name) {
        return switch (name) {
            case NoOffloadingDispatch.NAME -> new NoOffloadingDispatch();
            case NaiveGlobalDispatch.NAME -> new NaiveGlobalDispatch();
            case CoEdgeDispatch.NAME -> CoEdgeDispatch.withDefaults();
            default ->
                    throw new IllegalArgumentException(
                            "unknown dispatch policy '" + name + "', expected one of " + NAMES);
        };
    }
}
