import type { PersonalizeClient } from "@aws-sdk/client-personalize";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { run as setupCommand } from "../../src/cli/personalize-setup.command";
import { run as statusCommand } from "../../src/cli/personalize-status.command";
import { createContext } from "../../src/graphql/context";
import { createPersonalizeControlClient } from "../../src/personalize/clients";
import {
  personalizeStatus,
  setupPersonalize,
  SetupError,
  type SetupOptions,
} from "../../src/personalize/setup";
import { createApolloServer } from "../../src/server";
import { createTestApp } from "../support/local-dynamo";
import {
  startPersonalizeControlServer,
  type PersonalizeControlServer,
} from "../support/personalize-control-server";

const NAME = "recs-gateway-test";
const DATA = "s3://models-bucket/personalize";
const ROLE = "arn:aws:iam::123456789012:role/recs-gateway-test-personalize-import";

let server: PersonalizeControlServer;
let client: PersonalizeClient;
let lines: string[];

const setup = (options: Partial<SetupOptions> = {}) =>
  setupPersonalize(client, {
    name: NAME,
    dataUri: DATA,
    roleArn: ROLE,
    pollMs: 0,
    say: (line) => lines.push(line),
    ...options,
  });
const creates = () => server.calls.filter((c) => c.startsWith("Create"));

beforeEach(async () => {
  server = await startPersonalizeControlServer();
  client = createPersonalizeControlClient({ region: "us-east-1", endpointUrl: server.url });
  lines = [];
});

afterEach(async () => {
  client.destroy();
  await server.close();
});

describe("recs personalize-setup against a local Personalize control plane", () => {
  it("imports both datasets, trains both solutions, starts both campaigns and a tracker, waiting for each", async () => {
    server.seedStack(NAME);
    const result = await setup();

    const imports = server.resources("dataset-import-job");
    expect(imports.map((j) => (j.fields.dataSource as { dataLocation: string }).dataLocation).sort()).toEqual(
      [`${DATA}/interactions.csv`, `${DATA}/items.csv`],
    );
    expect(imports.every((j) => j.fields.roleArn === ROLE)).toBe(true);
    expect(server.resources("solution-version")).toHaveLength(2);
    const campaigns = server.resources("campaign");
    expect(campaigns.map((c) => c.name).sort()).toEqual([`${NAME}-sims`, `${NAME}-user-personalization`]);
    expect(result.campaignArn).toBe(campaigns.find((c) => c.name === `${NAME}-user-personalization`)!.arn);
    expect(result.similarItemsArn).toBe(campaigns.find((c) => c.name === `${NAME}-sims`)!.arn);
    const [tracker] = server.resources("event-tracker");
    expect(result.trackingId).toBe(tracker!.fields.trackingId);
    // The user campaign serves the user solution's version, the SIMS campaign the SIMS one.
    expect(campaigns.find((c) => c.arn === result.campaignArn)!.fields.solutionVersionArn).toBe(
      result.solutionVersions.user,
    );
    expect(result.solutionVersions.sims).toContain(`${NAME}-sims/`);

    // Everything it created went through every state, and it said so while waiting.
    for (const kind of ["dataset-import-job", "solution-version", "campaign", "event-tracker"])
      expect(server.resources(kind).every((r) => r.status === "ACTIVE")).toBe(true);
    expect(lines).toContain(
      `campaign ${NAME}-sims: CREATE PENDING, waiting (Ctrl-C stops waiting; setup resumes)`,
    );
    expect(lines.some((l) => l.startsWith(`campaign ${NAME}-sims: CREATE IN_PROGRESS`))).toBe(true);
    expect(lines).toContain(`campaign ${NAME}-sims: ACTIVE`);
  });

  it("finds everything by name when run again, and creates nothing", async () => {
    server.seedStack(NAME);
    const first = await setup();
    const before = creates().length;
    const again = await setup({ dataUri: undefined, roleArn: undefined });
    expect(again).toEqual(first);
    expect(creates()).toHaveLength(before);
  });

  it("says to deploy with the parameter when the stack's dataset group is missing", async () => {
    const error = await setup().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SetupError);
    expect((error as Error).message).toMatch(/no dataset group "recs-gateway-test".*personalize=true/);
  });

  it("asks for --data and --role-arn when a dataset has no import yet", async () => {
    server.seedStack(NAME);
    await expect(setup({ dataUri: undefined })).rejects.toThrow(/--data s3:\/\/bucket\/prefix.*--role-arn/);
    expect(creates()).toEqual([]);
  });

  it("uses what a concurrent run created when Personalize answers ResourceAlreadyExistsException", async () => {
    server.seedStack(NAME);
    server.faults = [
      { operation: "CreateCampaign", error: "ResourceAlreadyExistsException", createAnyway: true },
    ];
    const result = await setup();
    expect(server.resources("campaign")).toHaveLength(2);
    expect(result.campaignArn).toBe(
      server.resources("campaign").find((c) => c.name?.endsWith("-user-personalization"))!.arn,
    );
  });

  it("waits and tries again while Personalize answers ResourceInUseException", async () => {
    server.seedStack(NAME);
    server.faults = [{ operation: "CreateSolutionVersion", error: "ResourceInUseException", times: 2 }];
    await setup();
    expect(server.calls.filter((c) => c === "CreateSolutionVersion")).toHaveLength(4);
    expect(lines.filter((l) => /ResourceInUseException.*trying again/.test(l))).toHaveLength(2);
    expect(server.resources("solution-version")).toHaveLength(2);
  });

  it("stops with a clear message on LimitExceededException", async () => {
    server.seedStack(NAME);
    server.faults = [{ operation: "CreateCampaign", error: "LimitExceededException", times: 5 }];
    await expect(setup()).rejects.toThrow(
      /campaign recs-gateway-test-user-personalization: an Amazon Personalize quota is reached.*Service Quotas/,
    );
  });

  it("stops naming Personalize's reason when an import job fails, and imports again on the next run", async () => {
    server.seedStack(NAME);
    server.failures["dataset-import-job"] = "Input CSV is missing the following columns: [USER_ID]";
    await expect(setup()).rejects.toThrow(
      "interactions dataset import: CREATE FAILED: Input CSV is missing the following columns: [USER_ID]",
    );
    expect(server.calls).not.toContain("CreateSolutionVersion");
    delete server.failures["dataset-import-job"];
    await setup();
    // The failed job is not reused: a second one was created for the interactions dataset.
    expect(server.resources("dataset-import-job").filter((j) => j.status === "ACTIVE")).toHaveLength(2);
    expect(server.resources("dataset-import-job")).toHaveLength(3);
  });
});

describe("recs personalize-status", () => {
  it("shows what is missing before setup, and states and offline metrics after", async () => {
    server.seedStack(NAME);
    const before = await personalizeStatus(client, NAME);
    expect(before.map((r) => [r.resource, r.status])).toEqual([
      ["dataset group", "ACTIVE"],
      ["dataset interactions", "ACTIVE"],
      ["dataset items", "ACTIVE"],
      ["solution", "ACTIVE"],
      ["campaign", "missing"],
      ["solution", "ACTIVE"],
      ["campaign", "missing"],
      ["event tracker", "missing"],
    ]);
    expect(before[1]!.detail).toBe("no import yet");
    expect(before[3]!.detail).toBe("not trained yet");

    const result = await setup();
    const after = await personalizeStatus(client, NAME);
    expect(after.every((r) => r.status === "ACTIVE")).toBe(true);
    const user = after.find((r) => r.name === `${NAME}-user-personalization` && r.resource === "solution")!;
    expect(user.detail).toBe(`latest version ACTIVE: ${result.solutionVersions.user}`);
    expect(user.metrics).toEqual({
      coverage: 0.31,
      normalized_discounted_cumulative_gain_at_5: 0.11,
      normalized_discounted_cumulative_gain_at_10: 0.14,
      normalized_discounted_cumulative_gain_at_25: 0.19,
      precision_at_5: 0.04,
      precision_at_10: 0.035,
      precision_at_25: 0.028,
    });
    const campaign = after.find((r) => r.resource === "campaign" && r.arn === result.campaignArn)!;
    expect(campaign.detail).toContain(`serves ${result.solutionVersions.user}, min 1 TPS`);
    expect(after.find((r) => r.resource === "event tracker")!.detail).toBe(
      `tracking id ${result.trackingId}`,
    );
  });

  it("says the dataset group is missing when there is none", async () => {
    expect(await personalizeStatus(client, NAME)).toEqual([
      { resource: "dataset group", name: NAME, status: "missing" },
    ]);
  });
});

describe("the commands", () => {
  const saved = process.env.PERSONALIZE_CONTROL_ENDPOINT_URL;
  beforeEach(() => {
    process.env.PERSONALIZE_CONTROL_ENDPOINT_URL = server.url;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.PERSONALIZE_CONTROL_ENDPOINT_URL;
    else process.env.PERSONALIZE_CONTROL_ENDPOINT_URL = saved;
  });

  const captured = (fn: () => Promise<number>) => async () => {
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
    const error = vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
    try {
      return { code: await fn(), out: out.join("\n"), err: err.join("\n") };
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  };

  it("setup prints the ARNs and deploy parameters to set; status prints every resource", async () => {
    server.seedStack(NAME);
    const setupRun = await captured(() =>
      setupCommand({ name: NAME, data: DATA, "role-arn": ROLE, "min-tps": "2", "poll-seconds": "0" }),
    )();
    expect(setupRun.code).toBe(0);
    const campaign = server.resources("campaign").find((c) => c.name === `${NAME}-user-personalization`)!;
    expect(campaign.fields.minProvisionedTPS).toBe(2);
    expect(setupRun.out).toContain(`PERSONALIZE_CAMPAIGN_ARN=${campaign.arn}`);
    expect(setupRun.out).toContain(`--param="personalizeCampaignArn=${campaign.arn}"`);
    expect(setupRun.out).toMatch(
      /PERSONALIZE_SIMILAR_ITEMS_ARN=arn:aws:personalize:.*:campaign\/recs-gateway-test-sims/,
    );
    expect(setupRun.out).toContain(
      `PERSONALIZE_TRACKING_ID=${server.resources("event-tracker")[0]!.fields.trackingId}`,
    );

    const statusRun = await captured(() => statusCommand({ name: NAME }))();
    expect(statusRun.code).toBe(0);
    expect(statusRun.out).toMatch(/campaign\s+recs-gateway-test-sims\s+ACTIVE/);
    expect(statusRun.out).toMatch(/normalized_discounted_cumulative_gain_at_10\s+0\.1400/);
  });

  it("setup exits 1 with Personalize's refusal on a limit", async () => {
    server.seedStack(NAME);
    server.faults = [{ operation: "CreateEventTracker", error: "LimitExceededException", times: 5 }];
    const result = await captured(() =>
      setupCommand({ name: NAME, data: DATA, "role-arn": ROLE, "min-tps": "1", "poll-seconds": "0" }),
    )();
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /recs personalize-setup: event tracker recs-gateway-test-events: an Amazon Personalize quota/,
    );
  });
});

describe("health shows the campaign", () => {
  const healthQuery = async (
    app: Awaited<ReturnType<typeof createTestApp>>,
    query = "{ health { status personalizeCampaign { arn status solutionVersionArn minProvisionedTPS checkedAt detail } } }",
  ) => {
    const apollo = createApolloServer(app.config);
    await apollo.start();
    try {
      const response = await apollo.executeOperation(
        { query },
        { contextValue: createContext(app.app, "req-health") },
      );
      const single = response.body.kind === "single" ? response.body.singleResult : undefined;
      expect(single?.errors).toBeUndefined();
      return (
        single?.data as { health: { status: string; personalizeCampaign: Record<string, unknown> | null } }
      ).health;
    } finally {
      await apollo.stop();
    }
  };

  it("shows its status and solution version, describing it once per max age", async () => {
    server.seedStack(NAME);
    const result = await setup();
    const test = await createTestApp({
      PERSONALIZE_CAMPAIGN_ARN: result.campaignArn,
      PERSONALIZE_CONTROL_ENDPOINT_URL: server.url,
      PERSONALIZE_STATUS_SECONDS: "3600",
    });
    try {
      const describes = () => server.calls.filter((c) => c === "DescribeCampaign").length;
      const start = describes();
      const first = await healthQuery(test);
      expect(first.personalizeCampaign).toMatchObject({
        arn: result.campaignArn,
        status: "ACTIVE",
        solutionVersionArn: result.solutionVersions.user,
        minProvisionedTPS: 1,
        detail: null,
      });
      expect(first.personalizeCampaign!.checkedAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
      await healthQuery(test);
      expect(describes() - start).toBe(1);
    } finally {
      await test.close();
    }
  });

  it("shows a failed DescribeCampaign as a detail, and health still answers", async () => {
    const test = await createTestApp({
      PERSONALIZE_CAMPAIGN_ARN: "arn:aws:personalize:us-east-1:123456789012:campaign/gone",
      PERSONALIZE_CONTROL_ENDPOINT_URL: server.url,
    });
    try {
      const health = await healthQuery(test);
      expect(health.personalizeCampaign).toMatchObject({
        arn: "arn:aws:personalize:us-east-1:123456789012:campaign/gone",
        status: null,
        detail: expect.stringMatching(/^DescribeCampaign failed: .*does not exist/),
      });
    } finally {
      await test.close();
    }
  });

  it("asks Personalize nothing when the query does not select the campaign", async () => {
    const test = await createTestApp({
      PERSONALIZE_CAMPAIGN_ARN: "arn:aws:personalize:us-east-1:123456789012:campaign/any",
      PERSONALIZE_CONTROL_ENDPOINT_URL: server.url,
    });
    try {
      await healthQuery(test, "{ health { status strategies { name ready } } }");
      expect(server.calls).toEqual([]);
    } finally {
      await test.close();
    }
  });

  it("is null when no campaign is configured", async () => {
    const test = await createTestApp();
    try {
      expect((await healthQuery(test)).personalizeCampaign).toBeNull();
    } finally {
      await test.close();
    }
  });
});
