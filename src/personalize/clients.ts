import { PersonalizeClient } from "@aws-sdk/client-personalize";
import { PersonalizeEventsClient } from "@aws-sdk/client-personalize-events";
import { PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { awsClientOptions } from "../shared/aws";

export interface PersonalizeClientOptions {
  region: string;
  /** Endpoint override (the local server in tests and demos); unset means the AWS endpoint. */
  endpointUrl?: string;
}

/**
 * One SDK attempt per call: the router bounds each request with its own timeout and falls back,
 * so SDK retries with backoff would only spend that budget waiting.
 */
export function createPersonalizeRuntimeClient(options: PersonalizeClientOptions): PersonalizeRuntimeClient {
  return new PersonalizeRuntimeClient({
    ...awsClientOptions(options.region, options.endpointUrl),
    maxAttempts: 1,
  });
}

/** One SDK attempt per call: the event forwarder retries with its own bounded backoff and counts failures. */
export function createPersonalizeEventsClient(options: PersonalizeClientOptions): PersonalizeEventsClient {
  return new PersonalizeEventsClient({
    ...awsClientOptions(options.region, options.endpointUrl),
    maxAttempts: 1,
  });
}

/**
 * The control plane (datasets, solutions, campaigns, trackers): `recs personalize-*` and the health
 * query's DescribeCampaign. `maxAttempts` 1 for health, which must stay cheap; the CLI keeps the SDK's retries.
 */
export function createPersonalizeControlClient(
  options: PersonalizeClientOptions & { maxAttempts?: number },
): PersonalizeClient {
  return new PersonalizeClient({
    ...awsClientOptions(options.region, options.endpointUrl),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  });
}
