package io.coedge.testing;

/** Catalogs the pipeline tests share, written against the TINY generated models. */
public final class TestCatalogs {
    private TestCatalogs() {}

    /**
     * Three nodes whose sidecars listen on 127.0.0.1 at the given ports, the generated resnet
     * (32x32 input, 10 CIFAR classes) and {@code tasks}: YAML list items, one per line, each
     * starting with {@code - }.
     */
    public static String threeNodesResnet(
            int edge1Port, int edge2Port, int edge3Port, String tasks) {
        return """
        nodes:
          - {id: edge-1, sidecar: "127.0.0.1:%d"}
          - {id: edge-2, sidecar: "127.0.0.1:%d"}
          - {id: edge-3, sidecar: "127.0.0.1:%d"}
        models:
          - name: resnet
            maxBatch: 8
            input: {name: input, width: 32, height: 32}
            postprocess: {type: classification, topK: 3, labels: [airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck]}
        tasks:
        """
                        .formatted(edge1Port, edge2Port, edge3Port)
                + tasks.indent(2);
    }
}
