import type { ApiKeyGuard } from "./api-keys";
import { isHealthOnlyRequest } from "./health-only";
import { rejection, RejectionCode, type Rejection } from "./rejection";

export const API_KEY_HEADER = "x-api-key";

export interface AccessRequest {
  method: string;
  apiKey: string | undefined;
  body: unknown;
  search: string;
}

/**
 * The access check both HTTP entry points (local server and Lambda) run before Apollo, so no
 * resolver ever runs for a caller without a valid key; a health-only query is the one exception.
 */
export function checkAccess(guard: ApiKeyGuard, request: AccessRequest): Rejection | undefined {
  if (guard.accepts(request.apiKey)) return undefined;
  if (isHealthOnlyRequest(request.method, request.body, request.search)) return undefined;
  // A GET without an operation runs no resolver: Apollo answers it with the landing page (when on) or a 400.
  if (request.method === "GET" && !new URLSearchParams(request.search).has("query")) return undefined;
  return rejection(401, `a valid ${API_KEY_HEADER} header is required`, RejectionCode.UNAUTHENTICATED);
}
