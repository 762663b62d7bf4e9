import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Config } from "../../src/config";
import { Logger } from "../../src/observability/logger";
import { userIdPseudonymiser } from "../../src/security/pseudonymise";
import { Secrets } from "../../src/security/secrets";
import { startSsmServer, type SsmTestServer } from "../support/ssm-server";

/** The real @aws-sdk/client-ssm, through Powertools Parameters, against the local SSM stand-in. */
let ssm: SsmTestServer;
beforeAll(async () => {
  ssm = await startSsmServer();
});
afterAll(() => ssm.close());
afterEach(() => {
  vi.useRealTimers();
});

const KEYS = "/recs/test/api-keys";
const HMAC = "/recs/test/user-id-hmac-key";

function secrets(security: Partial<Config["security"]>, logs: Array<Record<string, unknown>> = []) {
  const config: Config["security"] = {
    apiKeys: [],
    parameters: { apiKeys: KEYS, userIdHmacKey: HMAC },
    maxAgeSeconds: 300,
    ssmEndpointUrl: ssm.endpoint,
    ...security,
  };
  return new Secrets(config, "us-east-1", new Logger("warn", {}, (l) => logs.push(JSON.parse(l))));
}

const callsFor = (name: string) => ssm.received.filter((c) => c.body.Name === name);

describe("secrets read at run time from SSM SecureString", () => {
  it("reads both parameters decrypted, and serves the API keys and the HMAC pseudonym from them", async () => {
    ssm.put(KEYS, "key-a, key-b");
    ssm.put(HMAC, "hmac-secret-1");
    const s = secrets({});
    await s.refresh();

    for (const name of [KEYS, HMAC])
      expect(callsFor(name).at(-1)).toEqual({
        target: "AmazonSSM.GetParameter",
        body: { Name: name, WithDecryption: true },
      });
    expect(s.apiKeys.accepts("key-a")).toBe(true);
    expect(s.apiKeys.accepts("key-b")).toBe(true);
    expect(s.apiKeys.accepts("key-c")).toBe(false);
    expect(s.pseudonymise("alice")).toBe(userIdPseudonymiser("hmac-secret-1")("alice"));
    expect(s.logName("alice")).toBe(s.pseudonymise("alice"));
  });

  it("reuses the values within their max age, and picks up a rotation after it without a restart", async () => {
    ssm.put(KEYS, "old-key");
    ssm.put(HMAC, "hmac-old");
    vi.useFakeTimers({ toFake: ["Date"] });
    const s = secrets({ maxAgeSeconds: 60 });
    await s.refresh();
    const reads = callsFor(KEYS).length;

    ssm.put(KEYS, "old-key,new-key");
    ssm.put(HMAC, "hmac-new");
    vi.setSystemTime(Date.now() + 59_000);
    await s.refresh();
    expect(callsFor(KEYS)).toHaveLength(reads); // from the cache
    expect(s.apiKeys.accepts("new-key")).toBe(false);

    vi.setSystemTime(Date.now() + 2_000);
    await s.refresh();
    expect(callsFor(KEYS)).toHaveLength(reads + 1);
    expect(s.apiKeys.accepts("new-key")).toBe(true);
    expect(s.apiKeys.accepts("old-key")).toBe(true);
    expect(s.pseudonymise("alice")).toBe(userIdPseudonymiser("hmac-new")("alice"));
  });

  it("fails closed until the parameters have been read: no key check passes, no raw id is stored", async () => {
    const s = secrets({ parameters: { apiKeys: "/recs/test/missing", userIdHmacKey: HMAC } });
    expect(() => s.pseudonymise("alice")).toThrow(/not been read/);
    await expect(s.refresh()).rejects.toThrow(/missing/);
    expect(() => s.pseudonymise("alice")).toThrow(/not been read/);
  });

  it("refuses an empty API key parameter rather than opening the gateway", async () => {
    ssm.put("/recs/test/empty", " , ");
    const s = secrets({ parameters: { apiKeys: "/recs/test/empty" } });
    await expect(s.refresh()).rejects.toThrow(/holds no API key/);
  });

  it("keeps the last values when SSM fails after they were read, and says so in the logs", async () => {
    ssm.put(KEYS, "key-a");
    ssm.put(HMAC, "hmac-1");
    vi.useFakeTimers({ toFake: ["Date"] });
    const logs: Array<Record<string, unknown>> = [];
    const s = secrets({ maxAgeSeconds: 1 }, logs);
    await s.refresh();
    vi.setSystemTime(Date.now() + 5_000);
    ssm.failNext(10);
    await s.refresh();
    expect(s.apiKeys.accepts("key-a")).toBe(true);
    expect(s.pseudonymise("alice")).toBe(userIdPseudonymiser("hmac-1")("alice"));
    expect(logs).toEqual([
      expect.objectContaining({ level: "warn", msg: expect.stringContaining("keeping the last values") }),
    ]);
    ssm.failNext(0);
  });

  it("without parameter names uses the plain variables and never calls SSM (local use)", async () => {
    const before = ssm.received.length;
    const s = secrets({ apiKeys: ["local-key"], userIdHmacKey: "local-hmac", parameters: {} });
    await s.refresh();
    expect(ssm.received).toHaveLength(before);
    expect(s.apiKeys.accepts("local-key")).toBe(true);
    expect(s.pseudonymise("alice")).toBe(userIdPseudonymiser("local-hmac")("alice"));
    expect(secrets({ parameters: {} }).logName("alice")).toBeUndefined();
  });
});
