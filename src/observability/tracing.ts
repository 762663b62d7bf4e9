import { SpanStatusCode, trace, type Attributes, type Span } from "@opentelemetry/api";

/**
 * Spans through the OpenTelemetry API (the choice and why: README, "Tracing"). The API alone records
 * nothing: until an SDK registers a tracer provider, every span is a no-op. On Lambda the ADOT layer
 * (deploy parameters `tracing: Active` and `otelLayerArn`) registers one before the handler loads and
 * sends the spans to X-Ray; locally and in tests nothing does, unless a test registers its own.
 */
const tracer = trace.getTracer("recommendation-gateway");

/** Runs `work` in a span that is active meanwhile, so the spans of SDK calls it makes nest under it. */
export function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

export function markFailed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined });
}
