import fc from "fast-check";
import type { GatewayOnDynalite } from "../support/gateway-on-dynalite";

/** The bound on one request: a hang is a property failure, not a slow pass. */
export const REQUEST_BOUND_MS = 5_000;

export interface FuzzRequest {
  method: "GET" | "POST";
  contentType: string;
  body?: string;
  search?: string;
  /** Fresh user ids an event in this request was recorded for (each case uses its own ids). */
  eventUsers: string[];
}

interface Answer {
  status: number;
  json: { data?: unknown; errors?: Array<{ extensions?: { code?: unknown } }> } | undefined;
}

let userCounter = 0;
const freshUser = fc.constant(null).map(() => `fuzz-${process.pid}-${++userCounter}`);

const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(""),
  fc.constant("x".repeat(300)),
  fc.constant("a\u0000b"),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });

/** An EventInput that is valid, slightly wrong or nonsense, for a fresh user id (or a malformed one). */
const eventInput = fc.record(
  {
    userId: fc.oneof({ weight: 3, arbitrary: freshUser }, { weight: 1, arbitrary: junkValue }),
    itemId: fc.oneof(fc.constantFrom("item-0001", "item-0002", "item-0042", "no-such-item"), junkValue),
    type: fc.oneof(fc.constantFrom("VIEW", "ADD_TO_CART", "PURCHASE", "RATING"), junkValue),
    timestamp: maybe(
      fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.constant("2999-01-01T00:00:00Z"),
        junkValue,
      ),
    ),
    value: maybe(fc.oneof(fc.double({ noNaN: true }), junkValue)),
    sessionId: maybe(junkValue),
    recommendationId: maybe(junkValue),
    idempotencyKey: maybe(fc.oneof(fc.uuid(), junkValue)),
  },
  { requiredKeys: [] },
);

const RECORD_EVENT = "mutation ($input: EventInput!) { recordEvent(input: $input) { eventId duplicate } }";
const RECORD_EVENTS =
  "mutation ($inputs: [EventInput!]!) { recordEvents(inputs: $inputs) { eventId duplicate } }";
const RECOMMEND = `query ($userId: ID!, $k: Int, $strategy: Strategy, $filter: ItemFilter) {
  recommendations(userId: $userId, k: $k, strategy: $strategy, filter: $filter) { strategy items { itemId score item { id title } } } }`;

const post = (body: unknown, eventUsers: string[] = []): FuzzRequest => ({
  method: "POST",
  contentType: "application/json",
  body: JSON.stringify(body),
  eventUsers,
});
const usersOf = (inputs: unknown[]): string[] =>
  inputs
    .map((i) => (i as { userId?: unknown }).userId)
    .filter((u): u is string => typeof u === "string" && u.startsWith("fuzz-"));

/** Events: one or a batch (up to 30, over the cap of 25), with fuzzed fields and variables. */
export const eventRequests: fc.Arbitrary<FuzzRequest> = fc.oneof(
  eventInput.map((input) => post({ query: RECORD_EVENT, variables: { input } }, usersOf([input]))),
  fc
    .array(eventInput, { maxLength: 30 })
    .map((inputs) => post({ query: RECORD_EVENTS, variables: { inputs } }, usersOf(inputs))),
  fc
    .tuple(eventInput, junkValue)
    .map(([input, junk]) => post({ query: RECORD_EVENT, variables: { input: junk ?? input } })),
);

/** Valid documents with random variables. */
export const variableRequests: fc.Arbitrary<FuzzRequest> = fc
  .record(
    {
      userId: junkValue,
      k: fc.oneof(fc.integer({ min: -5, max: 500 }), junkValue),
      strategy: fc.oneof(
        fc.constantFrom("NMF", "POPULAR", "PERSONALIZE", "SAGEMAKER_XGBOOST", "nmf"),
        junkValue,
      ),
      filter: fc.oneof(
        fc.record(
          {
            category: junkValue,
            excludeItemIds: fc.oneof(fc.array(junkValue, { maxLength: 5 }), junkValue),
            excludeSeen: junkValue,
          },
          { requiredKeys: [] },
        ),
        junkValue,
      ),
    },
    { requiredKeys: [] },
  )
  .map((variables) => post({ query: RECOMMEND, variables }));

const TOKENS = [
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  ":",
  "$v",
  "...",
  "@include(if: true)",
  "@skip(if: $v)",
  "query",
  "mutation",
  "subscription",
  "fragment F on Query",
  "on",
  "...F",
  "recommendations",
  "relatedItems",
  "popularItems",
  "item",
  "health",
  "recordEvent",
  "recordEvents",
  "items",
  "itemId",
  "score",
  "title",
  "__schema",
  '__type(name: "Item")',
  "__typename",
  "userId:",
  "itemId:",
  "k:",
  "input:",
  '"u"',
  '""',
  '"\\u0000"',
  "1",
  "-1",
  "1e999",
  "null",
  "true",
  "a:",
  "b:",
  "#",
  "\n",
  ",",
  "!",
  "=",
  "{ status }",
  "{ itemId }",
  '"""block"""',
  "type: VIEW",
];

/** Random and malformed documents, bodies, content types and GET queries. */
export const documentRequests: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((parts) => post({ query: parts.join(" ") })),
  fc.string({ maxLength: 200 }).map((query) => post({ query })),
  fc.jsonValue({ maxDepth: 3 }).map((body) => post(body)),
  fc
    .record(
      { query: junkValue, variables: junkValue, operationName: junkValue, extensions: junkValue },
      { requiredKeys: [] },
    )
    .map((b) => post(b)),
  fc
    .string({ unit: "binary", maxLength: 200 })
    .map((body) => ({ method: "POST" as const, contentType: "application/json", body, eventUsers: [] })),
  fc
    .tuple(
      fc.constantFrom(
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "",
        "application/graphql",
      ),
      fc.string({ maxLength: 100 }),
    )
    .map(([contentType, body]) => ({ method: "POST" as const, contentType, body, eventUsers: [] })),
  fc
    .tuple(fc.array(fc.constantFrom(...TOKENS), { maxLength: 20 }), fc.string({ maxLength: 50 }))
    .map(([parts, variables]) => ({
      method: "GET" as const,
      contentType: "",
      search: `?${new URLSearchParams({ query: parts.join(" "), variables })}`,
      eventUsers: [],
    })),
);

export async function send(url: string, request: FuzzRequest): Promise<Answer> {
  const response = await fetch(url + (request.search ?? ""), {
    method: request.method,
    // apollo-require-preflight: GETs must pass CSRF prevention to reach the GraphQL pipeline at all.
    headers: {
      ...(request.contentType ? { "content-type": request.contentType } : {}),
      "apollo-require-preflight": "1",
    },
    body: request.body,
    signal: AbortSignal.timeout(REQUEST_BOUND_MS),
  });
  const text = await response.text();
  let json: Answer["json"];
  try {
    json = JSON.parse(text) as Answer["json"];
  } catch {
    json = undefined;
  }
  if (json === undefined)
    throw new Error(`HTTP ${response.status} answered with a body that is not JSON: ${text.slice(0, 200)}`);
  return { status: response.status, json };
}

/** The properties every answer must have; throws (fails the case) otherwise. True when the request was accepted. */
export async function checkAnswer(gateway: GatewayOnDynalite, request: FuzzRequest): Promise<boolean> {
  const answer = await send(gateway.server.url, request);
  if (answer.status >= 500) throw new Error(`HTTP ${answer.status}: ${JSON.stringify(answer.json)}`);
  const errors = answer.json?.errors ?? [];
  for (const error of errors) {
    if (typeof error.extensions?.code !== "string")
      throw new Error(`error without extensions.code: ${JSON.stringify(error)}`);
  }
  if (errors.length || answer.status !== 200) {
    for (const userId of request.eventUsers) {
      const stored = await gateway.countEvents(userId);
      if (stored !== 0) throw new Error(`rejected request stored ${stored} event(s) for ${userId}`);
    }
    return false;
  }
  return true;
}
