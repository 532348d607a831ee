package io.coedge.operators.pre;

/**
 * How a source frame was placed into the model's input: scaled by {@code scaleX/scaleY} and shifted
 * by the padding. Maps boxes found in model-input pixels back to source-frame pixels.
 */
public record Letterbox(
        double scaleX, double scaleY, double padX, double padY, int sourceWidth, int sourceHeight) {

    public double toSourceX(double x) {
        return clamp((x - padX) / scaleX, sourceWidth);
    }

    public double toSourceY(double y) {
        return clamp((y - padY) / scaleY, sourceHeight);
    }

    private static double clamp(double v, int max) {
        return Math.max(0, Math.min(max, v));
    }
}
