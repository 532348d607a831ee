package io.coedge.oip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TensorShapesTest {

    @Test
    void byteSizeOfAnOrdinaryShape() {
        assertThat(TensorShapes.byteSize(new long[] {8, 3, 224, 224}, 4))
                .isEqualTo(8L * 3 * 224 * 224 * 4);
    }

    @Test
    void byteSizeThatWouldWrapToZeroIsRefused() {
        // 2^62 FP32 elements are 2^64 bytes: an unchecked product is 0, which empty contents match.
        assertThatThrownBy(() -> TensorShapes.byteSize(new long[] {1, 1L << 62}, 4))
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void elementCountPastLongIsRefused() {
        assertThatThrownBy(() -> TensorShapes.byteSize(new long[] {8, 1L << 61}, 4))
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void negativeDimensionIsRefused() {
        // Two negative dimensions multiply to a positive count; the sign is checked first.
        assertThatThrownBy(() -> TensorShapes.byteSize(new long[] {-2, -3}, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("negative dimension -2");
    }

    @Test
    void withBatchPutsTheBatchInFront() {
        assertThat(TensorShapes.withBatch(8, new long[] {3, 32, 32})).containsExactly(8, 3, 32, 32);
    }
}
