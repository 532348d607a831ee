package io.coedge.format;

/** Encodings accepted as frame values. */
public enum ImageFormat {
    JPEG,
    PNG
}
