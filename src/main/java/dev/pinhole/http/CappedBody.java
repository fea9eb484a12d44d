package dev.pinhole.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * A response body read from a party we do not control: at most {@code maxBytes}, within {@code deadline} of the
 * headers, or a {@link Refused} failure saying which bound was crossed. The connection is cancelled at once, so a
 * huge or endless body costs {@code maxBytes} and no more. (The JDK client's request timeout ends at the headers.)
 */
public final class CappedBody {
    /** The body broke a bound: {@link #getMessage()} names it, for a condition or a log line. */
    public static final class Refused extends IOException {
        public Refused(String message) {
            super(message);
        }
    }

    private CappedBody() {}

    /** A body handler that yields the body as UTF-8 text, or fails with {@link Refused}. */
    public static HttpResponse.BodyHandler<String> ofString(int maxBytes, Duration deadline) {
        return info -> {
            long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
            return new Subscriber(maxBytes, deadline, declared);
        };
    }

    /** The {@link Refused} at the root of a failure, when there is one. */
    public static java.util.Optional<Refused> refusal(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof Refused r) {
                return java.util.Optional.of(r);
            }
        }
        return java.util.Optional.empty();
    }

    private static final class Subscriber implements HttpResponse.BodySubscriber<String> {
        private final int maxBytes;
        private final Duration deadline;
        private final long declared;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<String> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        Subscriber(int maxBytes, Duration deadline, long declared) {
            this.maxBytes = maxBytes;
            this.deadline = deadline;
            this.declared = declared;
        }

        @Override
        public CompletionStage<String> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (declared > maxBytes) {
                refuse("body of " + declared + " bytes declared, at most " + maxBytes + " read");
                return;
            }
            CompletableFuture.delayedExecutor(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .execute(() -> refuse("body not complete within " + deadline.toMillis() + " ms"));
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : items) {
                if (bytes.size() + b.remaining() > maxBytes) {
                    refuse("body larger than " + maxBytes + " bytes");
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable failure) {
            result.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toString(StandardCharsets.UTF_8));
        }

        private void refuse(String why) {
            if (result.completeExceptionally(new Refused(why))) {
                subscription.cancel();
            }
        }
    }
}
