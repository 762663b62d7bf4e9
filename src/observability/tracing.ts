import {
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from "@opentelemetry/api";

/**
 * Spans through the OpenTelemetry API (the choice and why: README, "Tracing"). The API alone records
 * nothing: until an SDK registers a tracer provider, every span is a no-op. On Lambda the ADOT layer
 * (deploy parameters `tracing: Active` and `otelLayerArn`) registers one before the handler loads and
 * sends the spans to X-Ray; locally and in tests nothing does, unless a test registers its own.
 */
const TRACER_NAME = "recommendation-gateway";
const tracer = trace.getTracer(TRACER_NAME);
/** What `work` gets while nothing records: a span whose methods do nothing, as the no-op tracer's. */
const NOT_RECORDING = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Whether an SDK has registered a tracer provider. Checked per call (one may be registered after this
 * module loads), and cheaper than the no-op span, its context and its promise on every strategy call.
 */
function tracing(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer(TRACER_NAME) !== undefined;
}

/** Runs `work` in a span that is active meanwhile, so the spans of SDK calls it makes nest under it. */
export function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  if (!tracing()) return work(NOT_RECORDING);
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
