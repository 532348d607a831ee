package io.coedge.oip;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.HasByteBuffer;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Parses messages that carry tensors (ModelInferRequest, ModelInferResponse) with one bulk copy out
 * of the transport into one array, and with the {@code bytes} fields aliasing that array rather
 * than copied out of it.
 *
 * <p>grpc-java's default protobuf marshaller copies every {@code bytes} field once more, and a
 * message above 4 MiB (a batch of 8 frames of 224x224 is 4.8 MiB) goes through its stream parser in
 * small steps. The array is on the heap, not direct: a direct buffer per request is only freed by a
 * garbage collection that a heap with little allocation rarely runs, so resident memory would climb
 * to the direct memory limit. Serialising is left to the default marshaller.
 */
public final class TensorMarshaller<T extends MessageLite>
        implements MethodDescriptor.Marshaller<T> {
    private final MethodDescriptor.Marshaller<T> serializer;
    private final Parser<T> parser;

    private TensorMarshaller(MethodDescriptor.Marshaller<T> serializer, Parser<T> parser) {
        this.serializer = serializer;
        this.parser = parser;
    }

    /** The same method with this marshaller for its requests. */
    public static <Q extends MessageLite, R> MethodDescriptor<Q, R> forRequests(
            MethodDescriptor<Q, R> method, Parser<Q> parser) {
        return method.toBuilder(
                        new TensorMarshaller<>(method.getRequestMarshaller(), parser),
                        method.getResponseMarshaller())
                .build();
    }

    /** The same method with this marshaller for its responses. */
    public static <Q, R extends MessageLite> MethodDescriptor<Q, R> forResponses(
            MethodDescriptor<Q, R> method, Parser<R> parser) {
        return method.toBuilder(
                        method.getRequestMarshaller(),
                        new TensorMarshaller<>(method.getResponseMarshaller(), parser))
                .build();
    }

    @Override
    public InputStream stream(T value) {
        return serializer.stream(value);
    }

    @Override
    public T parse(InputStream stream) {
        try {
            byte[] message = readAll(stream);
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(message).newCodedInput();
            in.enableAliasing(true);
            in.setSizeLimit(
                    Integer.MAX_VALUE); // the transport has already enforced the message size limit
            T parsed = parser.parseFrom(in, ExtensionRegistryLite.getEmptyRegistry());
            in.checkLastTagWas(0);
            return parsed;
        } catch (InvalidProtocolBufferException e) {
            throw Status.INTERNAL
                    .withDescription("invalid protobuf message: " + e.getMessage())
                    .withCause(e)
                    .asRuntimeException();
        } catch (IOException e) {
            throw Status.INTERNAL
                    .withDescription("cannot read message: " + e.getMessage())
                    .withCause(e)
                    .asRuntimeException();
        }
    }

    /**
     * The whole message in one array: bulk copies from the transport's buffers when it offers them.
     */
    static byte[] readAll(InputStream stream) throws IOException {
        if (!(stream instanceof KnownLength)) {
            return stream.readAllBytes();
        }
        int size = stream.available();
        byte[] out = new byte[size];
        int filled = 0;
        if (stream instanceof HasByteBuffer buffers && buffers.byteBufferSupported()) {
            while (filled < size) {
                ByteBuffer piece = buffers.getByteBuffer();
                if (piece == null || !piece.hasRemaining()) {
                    break;
                }
                int n = Math.min(piece.remaining(), size - filled);
                piece.get(out, filled, n);
                filled += n;
                long skipped = stream.skip(n);
                if (skipped != n) {
                    throw new IOException(
                            "transport buffer skipped " + skipped + " of " + n + " bytes");
                }
            }
        }
        while (filled < size) {
            int n = stream.read(out, filled, size - filled);
            if (n < 0) {
                throw new IOException("message ended after " + filled + " of " + size + " bytes");
            }
            filled += n;
        }
        return out;
    }
}
