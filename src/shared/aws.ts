/**
 * Options shared by every AWS SDK client. With an endpoint override (dynalite, the local SageMaker,
 * Personalize and CloudWatch servers) the SDK still signs requests, so it needs some credentials even on
 * a machine without any: the environment's when present, placeholders otherwise.
 */
export function awsClientOptions(region: string, endpoint?: string) {
  return {
    region,
    endpoint,
    ...(endpoint
      ? {
          credentials: {
            accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "local",
            secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "local",
          },
        }
      : {}),
  };
}

interface SdkErrorShape {
  name?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

/** Names AWS services give throttling; some answer it with a 400 status (DynamoDB, SageMaker). */
export const THROTTLING_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
]);

/**
 * How an AWS call failed, for retries and circuit breakers:
 * - rejected: the service refused this request's content (a 4xx such as ValidationException,
 *   InvalidInputException, a missing resource); the same request fails again, others may not
 * - throttled: too many requests (429 or a throttling name); worth retrying later
 * - denied: credentials or permissions (401, 403): the deployment's fault, every call will fail
 * - failed: a 5xx, a timeout, a network error, or anything unknown
 * Wrapped errors (e.g. SageMaker's XgbScoringError) are judged by their `cause`.
 */
export type AwsFailure = "rejected" | "throttled" | "denied" | "failed";

export function awsFailure(error: unknown): AwsFailure {
  const e = (error ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined && e.$fault === undefined)
    return e.cause === undefined ? "failed" : awsFailure(e.cause);
  if (status === 429 || THROTTLING_NAMES.has(e.name ?? "")) return "throttled";
  if (status === 401 || status === 403) return "denied";
  if (status === 408) return "failed";
  if (
    (status !== undefined && status >= 400 && status < 500) ||
    (status === undefined && e.$fault === "client")
  )
    return "rejected";
  return "failed";
}
