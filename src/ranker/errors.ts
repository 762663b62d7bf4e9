import { THROTTLING_NAMES } from "../shared/aws";

/**
 * Why scoring failed, stable enough for the router to log and count:
 * - model_error: the container answered with an error (SageMaker's ModelError)
 * - throttling: too many requests (429, ThrottlingException)
 * - validation: the request was refused (ValidationError, unknown endpoint, payload too large)
 * - client: another 4xx (credentials, permissions)
 * - timeout: our time limit ran out; aborted: the caller's signal fired first
 * - service: SageMaker's 5xx (InternalFailure, ServiceUnavailable, ModelNotReady ...)
 * - network: no HTTP answer at all (connection refused or reset)
 * - bad_response: an answer we cannot read, or with the wrong number of scores
 */
export type XgbErrorKind =
  | "model_error"
  | "throttling"
  | "validation"
  | "client"
  | "timeout"
  | "aborted"
  | "service"
  | "network"
  | "bad_response";

export class XgbScoringError extends Error {
  constructor(
    readonly kind: XgbErrorKind,
    message: string,
    /** The SDK exception name or HTTP status when there was one. */
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "XgbScoringError";
  }
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number };
}

const VALIDATION_NAMES = new Set(["ValidationError", "ValidationException"]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
]);

/** Turns whatever `client.send` threw into an XgbScoringError with a kind. */
export function classifyEndpointError(
  error: unknown,
  state: { timedOut: boolean; aborted: boolean },
): XgbScoringError {
  if (error instanceof XgbScoringError) return error;
  const e = (error ?? {}) as SdkErrorShape;
  const name = e.name ?? "Error";
  const status = e.$metadata?.httpStatusCode;
  const detail = `${name}${status ? ` (${status})` : ""}: ${e.message ?? String(error)}`;
  const make = (kind: XgbErrorKind): XgbScoringError =>
    new XgbScoringError(
      kind,
      `SageMaker endpoint ${kind.replace("_", " ")}: ${detail}`,
      status ? name : (e.code ?? name),
      {
        cause: error,
      },
    );

  if (state.timedOut) return make("timeout");
  if (state.aborted) return make("aborted");
  if (name === "TimeoutError") return make("timeout");
  if (name === "ModelError") return make("model_error");
  if (THROTTLING_NAMES.has(name) || (status === 429 && name !== "ModelNotReadyException"))
    return make("throttling");
  if (VALIDATION_NAMES.has(name)) return make("validation");
  if (e.$fault === "server" || (status !== undefined && status >= 500) || name === "ModelNotReadyException") {
    return make("service");
  }
  if (status !== undefined && status >= 400) return make("client");
  if (e.code && NETWORK_CODES.has(e.code)) return make("network");
  return make("service");
}
