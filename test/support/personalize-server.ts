import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local stand-in for Amazon Personalize that speaks the REST-JSON (restJson1) wire protocol of
 * both services the gateway uses, so the real SDK clients serialise and deserialise for real:
 *   - personalize-runtime  POST /recommendations  (GetRecommendations; user recs with userId,
 *     similar items with itemId against a SIMS / similar-items ARN: same path, same shapes)
 *   - personalize-events   POST /events           (PutEvents; empty 200 answer)
 * Errors come back as the services send them: an HTTP status, an `x-amzn-ErrorType` header
 * ("Name:namespace-uri", which the SDK trims) and a JSON body with `__type` and `message`.
 *
 * Run it for demos: `npx tsx test/support/personalize-server.ts --port 4571 [--table table.json]`.
 */

export interface TableItem {
  itemId: string;
  score: number;
  /** Used to honour a category filter (filterValues.CATEGORY), like a real filter would. */
  category?: string;
}

export interface RecommendationTable {
  /** Answers keyed by userId (user recommendations) or itemId (similar items). */
  byKey?: Record<string, TableItem[]>;
  /** Answer for keys not in byKey (Personalize answers unknown users with popular items), rotated per key. */
  fallback?: TableItem[];
}

export type PersonalizeErrorName =
  | "ResourceNotFoundException"
  | "InvalidInputException"
  | "ThrottlingException"
  | "ResourceInUseException"
  | "InternalServerError";

const ERROR_STATUS: Record<PersonalizeErrorName, number> = {
  ResourceNotFoundException: 404,
  InvalidInputException: 400,
  ThrottlingException: 429,
  ResourceInUseException: 409,
  InternalServerError: 500,
};

/** Fault knobs, changeable while the server runs (tests set them between calls). */
export interface PersonalizeFaults {
  /** Wait this long before answering; a client that aborts meanwhile is counted in `abortedRequests`. */
  delayMs?: number;
  /** Answer with this error; `times` limits it to the next N requests (a transient failure). */
  fail?: { error: PersonalizeErrorName; times?: number; message?: string };
  /** Answer 200 with a body that is not JSON. */
  garbage?: boolean;
  /** Answer only once this settles (a slow service, released by the test rather than by a clock). */
  hold?: Promise<unknown>;
}

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface PersonalizeServerOptions {
  port?: number;
  table?: RecommendationTable;
  /** When given, ARNs outside this list answer ResourceNotFoundException. */
  knownArns?: string[];
  /**
   * A filter "EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (...)": with this filterArn, items the
   * user sent through PutEvents to this server are left out, as Personalize does from its interactions.
   */
  seenFilterArn?: string;
  faults?: PersonalizeFaults;
}

export interface PersonalizeServer {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  faults: PersonalizeFaults;
  table: RecommendationTable;
  /** Requests whose connection closed before the answer was sent (aborted by the client). */
  abortedRequests: number;
  /** Requests that are still waiting for their answer. */
  openRequests: number;
  close(): Promise<void>;
}

class ServiceError extends Error {
  constructor(
    readonly type: PersonalizeErrorName,
    message: string,
  ) {
    super(message);
  }
}

/** A demo catalog answer: 200 items `item-0001`... with decreasing scores. */
export function syntheticFallback(count = 200): TableItem[] {
  return Array.from({ length: count }, (_, i) => ({
    itemId: `item-${String(i + 1).padStart(4, "0")}`,
    score: Number((1 - i / (count + 1)).toFixed(6)),
  }));
}

export async function startPersonalizeServer(
  options: PersonalizeServerOptions = {},
): Promise<PersonalizeServer> {
  const sockets = new Set<import("node:net").Socket>();
  const state = {
    requests: [] as ReceivedRequest[],
    faults: options.faults ?? {},
    table: options.table ?? { fallback: syntheticFallback() },
    abortedRequests: 0,
    openRequests: 0,
    interacted: new Map<string, Set<string>>(),
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      state.openRequests++;
      void handle(req, res, Buffer.concat(chunks).toString("utf8")).finally(() => state.openRequests--);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      // recorded as empty; answered below as invalid input
    }
    const path = (req.url ?? "/").split("?")[0]!;
    state.requests.push({ path, headers: req.headers, body });
    // A long demo run must not grow without bound; tests look at far fewer.
    if (state.requests.length > 10_000) state.requests.shift();

    const { delayMs, garbage, hold } = state.faults;
    if (hold) await hold;
    if (delayMs) {
      const closedEarly = await waitOrClose(res, delayMs);
      if (closedEarly) {
        state.abortedRequests++;
        return;
      }
    }
    if (res.destroyed) {
      state.abortedRequests++;
      return;
    }
    try {
      takeFault(state.faults);
      if (garbage) return send(res, 200, "<html>this is not json", { "content-type": "application/json" });
      if (req.method !== "POST") throw new ServiceError("InvalidInputException", "Only POST is supported");
      if (!raw || Object.keys(body).length === 0)
        throw new ServiceError("InvalidInputException", "Body is not a JSON object");
      if (path === "/recommendations") return sendJson(res, 200, recommend(body));
      if (path === "/events") return sendJson(res, 200, putEvents(body));
      throw new ServiceError("ResourceNotFoundException", `No operation at ${path}`);
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      send(res, ERROR_STATUS[err.type], JSON.stringify({ __type: err.type, message: err.message }), {
        "content-type": "application/json",
        "x-amzn-errortype": `${err.type}:http://internal.amazon.com/coral/com.amazonaws.personalize/`,
      });
    }
  }

  function recommend(body: Record<string, unknown>): unknown {
    const arn = (body.campaignArn ?? body.recommenderArn) as string | undefined;
    if (body.campaignArn && body.recommenderArn)
      throw new ServiceError("InvalidInputException", "Give campaignArn or recommenderArn, not both");
    if (!arn) throw new ServiceError("InvalidInputException", "campaignArn or recommenderArn is required");
    if (options.knownArns && !options.knownArns.includes(arn))
      throw new ServiceError("ResourceNotFoundException", `Resource ${arn} does not exist.`);
    const key = (body.userId ?? body.itemId) as string | undefined;
    if (!key) throw new ServiceError("InvalidInputException", "userId or itemId is required");
    const numResults = (body.numResults as number | undefined) ?? 25;
    if (!Number.isInteger(numResults) || numResults < 1 || numResults > 500)
      throw new ServiceError("InvalidInputException", "numResults must be in 1..500");

    const filterValues = body.filterValues as Record<string, string> | undefined;
    if (filterValues && !body.filterArn)
      throw new ServiceError("InvalidInputException", "filterValues need a filterArn");
    const categories =
      filterValues?.CATEGORY === undefined ? undefined : parseFilterValue(filterValues.CATEGORY);

    const seen =
      body.filterArn !== undefined && body.filterArn === options.seenFilterArn
        ? state.interacted.get(String(body.userId))
        : undefined;
    const items = answerFor(key)
      .filter((i) => i.itemId !== body.itemId && !seen?.has(i.itemId))
      .filter((i) => !categories || (i.category !== undefined && categories.includes(i.category)))
      .slice(0, numResults);
    return {
      itemList: items.map((i) => ({ itemId: i.itemId, score: i.score })),
      recommendationId: `RID-${randomUUID()}`,
    };
  }

  function answerFor(key: string): TableItem[] {
    const known = state.table.byKey?.[key];
    if (known) return known;
    const fallback = state.table.fallback ?? [];
    if (fallback.length === 0) return [];
    // Different keys get differently ordered lists, so a demo shows "personal" answers; scores stay sorted.
    const shift = createHash("sha256").update(key).digest().readUInt32BE(0) % fallback.length;
    const rotated = [...fallback.slice(shift), ...fallback.slice(0, shift)];
    return rotated.map((item, i) => ({ ...item, score: fallback[i]!.score }));
  }

  function putEvents(body: Record<string, unknown>): unknown {
    const events = body.eventList as unknown[] | undefined;
    if (!body.trackingId || !body.sessionId)
      throw new ServiceError("InvalidInputException", "trackingId and sessionId are required");
    if (!Array.isArray(events) || events.length < 1 || events.length > 10)
      throw new ServiceError("InvalidInputException", "eventList must hold 1 to 10 events");
    const user = String(body.userId);
    const items = state.interacted.get(user) ?? new Set<string>();
    for (const e of events as Array<{ itemId?: string }>) if (e.itemId) items.add(e.itemId);
    state.interacted.set(user, items);
    return {};
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get requests() {
      return state.requests;
    },
    get faults() {
      return state.faults;
    },
    set faults(f: PersonalizeFaults) {
      state.faults = f;
    },
    get table() {
      return state.table;
    },
    set table(t: RecommendationTable) {
      state.table = t;
    },
    get abortedRequests() {
      return state.abortedRequests;
    },
    get openRequests() {
      return state.openRequests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Filter values are JSON-quoted strings: `"\"shoes\""`, or a list `"\"shoes\",\"bags\""`. */
function parseFilterValue(value: string): string[] {
  try {
    return JSON.parse(`[${value}]`) as string[];
  } catch {
    throw new ServiceError("InvalidInputException", `Filter value ${value} is not a list of quoted strings`);
  }
}

function takeFault(faults: PersonalizeFaults): void {
  const fail = faults.fail;
  if (!fail) return;
  if (fail.times !== undefined) {
    if (fail.times <= 0) return;
    fail.times--;
  }
  throw new ServiceError(fail.error, fail.message ?? `${fail.error} (injected)`);
}

/** Resolves true when the client closed the connection before `ms` passed. */
function waitOrClose(res: http.ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      res.off("close", onClose);
      resolve(false);
    }, ms);
    res.once("close", onClose);
  });
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown): void {
  send(res, status, JSON.stringify(payload), { "content-type": "application/json" });
}

function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, "x-amzn-requestid": randomUUID() });
  res.end(body);
}

function argValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const tableFile = argValue(args, "--table");
  const table = tableFile ? (JSON.parse(readFileSync(tableFile, "utf8")) as RecommendationTable) : undefined;
  void startPersonalizeServer({ port: Number(argValue(args, "--port") ?? 0), table }).then((s) => {
    console.log(`Local Personalize (runtime + events) listening on ${s.url}`);
    console.log(`  PERSONALIZE_ENDPOINT_URL=${s.url} PERSONALIZE_EVENTS_ENDPOINT_URL=${s.url}`);
  });
}
