import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local stand-in for Amazon Personalize's control plane, speaking its wire protocol (AWS JSON 1.1:
 * `POST /`, `X-Amz-Target: AmazonPersonalize.<Operation>`, JSON in and out, timestamps as epoch
 * seconds) so that the real @aws-sdk/client-personalize serialises and deserialises for real.
 * Errors are a 400 with `{"__type": "<Name>", "message": ...}`, as the service sends them.
 *
 * What it keeps: dataset groups, datasets, import jobs, solutions, solution versions, campaigns and
 * event trackers. A resource created here moves CREATE PENDING -> CREATE IN_PROGRESS -> ACTIVE, one
 * step each time it is described (Describe*), so a client sees every state while it waits.
 * `seedStack` adds what the CloudFormation stack would have created, already ACTIVE.
 *
 * Run it for demos: `npx tsx test/support/personalize-control-server.ts --port 4572 [--stack recs-gateway-local]`.
 */

export type ControlErrorName =
  | "ResourceAlreadyExistsException"
  | "ResourceInUseException"
  | "LimitExceededException"
  | "ResourceNotFoundException"
  | "InvalidInputException";

export interface ControlFault {
  /** e.g. "CreateCampaign" */
  operation: string;
  error: ControlErrorName;
  /** How many calls fail (default 1). */
  times?: number;
  /** ResourceAlreadyExistsException as after a concurrent creator: the resource is created, then refused. */
  createAnyway?: boolean;
}

interface Resource {
  kind: string;
  arn: string;
  name?: string;
  status: string;
  /** Describe calls until the next state. */
  created: number;
  parent?: string;
  fields: Record<string, unknown>;
}

const STATES = ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"];

export interface PersonalizeControlServer {
  url: string;
  /** Operations in the order they were called. */
  calls: string[];
  faults: ControlFault[];
  resources(kind: string): Resource[];
  /** The dataset group, schemas' datasets and two solutions of the stack (`<name>`, `<name>-sims`, ...), ACTIVE. */
  seedStack(name: string): void;
  /** Resources of these kinds end CREATE FAILED with this failureReason when next described. */
  failures: Record<string, string>;
  /** Metrics GetSolutionMetrics answers. */
  metrics: Record<string, number>;
  close(): Promise<void>;
}

class Fail extends Error {
  constructor(
    readonly type: ControlErrorName,
    message: string,
  ) {
    super(message);
  }
}

export async function startPersonalizeControlServer(listenPort = 0): Promise<PersonalizeControlServer> {
  const account = "123456789012";
  const region = "us-east-1";
  const store: Resource[] = [];
  const calls: string[] = [];
  let faults: ControlFault[] = [];
  const failures: Record<string, string> = {};
  let clock = 1_700_000_000;
  let metrics: Record<string, number> = {
    coverage: 0.31,
    mean_reciprocal_rank_at_25: 0.12,
    normalized_discounted_cumulative_gain_at_5: 0.11,
    normalized_discounted_cumulative_gain_at_10: 0.14,
    normalized_discounted_cumulative_gain_at_25: 0.19,
    precision_at_5: 0.04,
    precision_at_10: 0.035,
    precision_at_25: 0.028,
  };

  const arnOf = (kind: string, name: string) => `arn:aws:personalize:${region}:${account}:${kind}/${name}`;

  const add = (
    kind: string,
    name: string | undefined,
    fields: Record<string, unknown>,
    parent?: string,
    status = STATES[0]!,
  ): Resource => {
    if (name && store.some((r) => r.kind === kind && r.name === name))
      throw new Fail("ResourceAlreadyExistsException", `${kind} ${name} already exists`);
    const resource: Resource = {
      kind,
      arn: arnOf(kind, name ?? randomUUID().slice(0, 8)),
      name,
      status,
      created: clock++,
      parent,
      fields,
    };
    store.push(resource);
    return resource;
  };

  const find = (kind: string, arn: unknown): Resource => {
    const r = store.find((x) => x.kind === kind && x.arn === arn);
    if (!r) throw new Fail("ResourceNotFoundException", `${kind} ${String(arn)} does not exist`);
    return r;
  };

  /** A describe answers the current state, then moves the resource one state on. */
  const describe = (r: Resource, arnField: string, extra: Record<string, unknown> = {}) => {
    const answer = { ...view(r, arnField), ...extra };
    advance(r);
    return answer;
  };
  const advance = (r: Resource): void => {
    if (failures[r.kind] && r.status !== "ACTIVE") {
      r.status = "CREATE FAILED";
      r.fields.failureReason = failures[r.kind];
    }
    const at = STATES.indexOf(r.status);
    if (at >= 0 && at < STATES.length - 1) r.status = STATES[at + 1]!;
  };

  const required = (body: Record<string, unknown>, ...names: string[]) => {
    for (const n of names)
      if (body[n] === undefined || body[n] === "")
        throw new Fail("InvalidInputException", `${n} is required`);
  };

  const view = (r: Resource, arnField: string) => ({
    name: r.name,
    [arnField]: r.arn,
    status: r.status,
    creationDateTime: r.created,
    lastUpdatedDateTime: r.created,
    ...r.fields,
  });
  const children = (kind: string, parent: unknown) =>
    store.filter((r) => r.kind === kind && r.parent === parent);

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    ListDatasetGroups: () => ({
      datasetGroups: store.filter((r) => r.kind === "dataset-group").map((r) => view(r, "datasetGroupArn")),
    }),
    DescribeDatasetGroup: (b) => ({
      datasetGroup: describe(find("dataset-group", b.datasetGroupArn), "datasetGroupArn"),
    }),
    ListDatasets: (b) => ({
      datasets: children("dataset", b.datasetGroupArn).map((r) => view(r, "datasetArn")),
    }),
    ListDatasetImportJobs: (b) => ({
      datasetImportJobs: children("dataset-import-job", b.datasetArn).map((r) => ({
        ...view(r, "datasetImportJobArn"),
        jobName: r.name,
        name: undefined,
      })),
    }),
    CreateDatasetImportJob: (b) => {
      required(b, "jobName", "datasetArn", "dataSource", "roleArn");
      find("dataset", b.datasetArn);
      const location = (b.dataSource as { dataLocation?: string }).dataLocation ?? "";
      if (!location.startsWith("s3://"))
        throw new Fail("InvalidInputException", "dataLocation must be s3://");
      const r = add(
        "dataset-import-job",
        b.jobName as string,
        { dataSource: b.dataSource, roleArn: b.roleArn },
        b.datasetArn as string,
      );
      return { datasetImportJobArn: r.arn };
    },
    DescribeDatasetImportJob: (b) => {
      const r = find("dataset-import-job", b.datasetImportJobArn);
      return { datasetImportJob: describe(r, "datasetImportJobArn", { jobName: r.name, name: undefined }) };
    },
    ListSolutions: (b) => ({
      solutions: children("solution", b.datasetGroupArn).map((r) => view(r, "solutionArn")),
    }),
    DescribeSolution: (b) => ({ solution: describe(find("solution", b.solutionArn), "solutionArn") }),
    ListSolutionVersions: (b) => ({
      solutionVersions: children("solution-version", b.solutionArn).map((r) => ({
        ...view(r, "solutionVersionArn"),
        name: undefined,
      })),
    }),
    CreateSolutionVersion: (b) => {
      required(b, "solutionArn");
      const solution = find("solution", b.solutionArn);
      const r = add(
        "solution-version",
        undefined,
        { solutionArn: solution.arn, trainingMode: b.trainingMode },
        solution.arn,
      );
      r.arn = `${solution.arn}/${randomUUID().slice(0, 8)}`;
      return { solutionVersionArn: r.arn };
    },
    DescribeSolutionVersion: (b) => ({
      solutionVersion: {
        ...describe(find("solution-version", b.solutionVersionArn), "solutionVersionArn"),
        name: undefined,
      },
    }),
    GetSolutionMetrics: (b) => {
      const r = find("solution-version", b.solutionVersionArn);
      if (r.status !== "ACTIVE") throw new Fail("ResourceInUseException", "solution version is not active");
      return { solutionVersionArn: r.arn, metrics };
    },
    ListCampaigns: (b) => ({
      campaigns: children("campaign", b.solutionArn).map((r) => view(r, "campaignArn")),
    }),
    CreateCampaign: (b) => {
      required(b, "name", "solutionVersionArn");
      const version = find("solution-version", b.solutionVersionArn);
      if (version.status !== "ACTIVE")
        throw new Fail("ResourceInUseException", `solution version ${version.arn} is ${version.status}`);
      const r = add(
        "campaign",
        b.name as string,
        { solutionVersionArn: version.arn, minProvisionedTPS: b.minProvisionedTPS ?? 1 },
        version.parent,
      );
      return { campaignArn: r.arn };
    },
    DescribeCampaign: (b) => ({ campaign: describe(find("campaign", b.campaignArn), "campaignArn") }),
    ListEventTrackers: (b) => ({
      eventTrackers: children("event-tracker", b.datasetGroupArn).map((r) => ({
        ...view(r, "eventTrackerArn"),
        trackingId: undefined,
      })),
    }),
    CreateEventTracker: (b) => {
      required(b, "name", "datasetGroupArn");
      find("dataset-group", b.datasetGroupArn);
      const r = add(
        "event-tracker",
        b.name as string,
        { trackingId: randomUUID() },
        b.datasetGroupArn as string,
      );
      return { eventTrackerArn: r.arn, trackingId: r.fields.trackingId };
    },
    DescribeEventTracker: (b) => ({
      eventTracker: describe(find("event-tracker", b.eventTrackerArn), "eventTrackerArn"),
    }),
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const operation = target.replace(/^AmazonPersonalize\./, "");
      calls.push(operation);
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, {
          "content-type": "application/x-amz-json-1.1",
          "x-amzn-requestid": randomUUID(),
        });
        res.end(JSON.stringify(payload));
      };
      try {
        if (req.method !== "POST" || !target.startsWith("AmazonPersonalize."))
          throw new Fail("InvalidInputException", `not an AmazonPersonalize call: ${target}`);
        if (!String(req.headers["content-type"]).startsWith("application/x-amz-json-1.1"))
          throw new Fail("InvalidInputException", "content-type must be application/x-amz-json-1.1");
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
        const handler = operations[operation];
        if (!handler) throw new Fail("InvalidInputException", `unknown operation ${operation}`);
        const fault = faults.find((f) => f.operation === operation && (f.times ?? 1) > 0);
        if (fault) {
          fault.times = (fault.times ?? 1) - 1;
          if (fault.createAnyway) handler(body);
          throw new Fail(fault.error, `${fault.error} (injected)`);
        }
        send(200, handler(body));
      } catch (error) {
        if (!(error instanceof Fail)) {
          send(500, { __type: "InternalServerError", message: String(error) });
          return;
        }
        send(400, { __type: `com.amazonaws.personalize#${error.type}`, message: error.message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(listenPort, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    failures,
    get faults() {
      return faults;
    },
    set faults(f: ControlFault[]) {
      faults = f;
    },
    get metrics() {
      return metrics;
    },
    set metrics(m: Record<string, number>) {
      metrics = m;
    },
    resources: (kind) => store.filter((r) => r.kind === kind),
    seedStack(name) {
      const group = add("dataset-group", name, {}, undefined, "ACTIVE");
      add("dataset", `${name}-interactions`, { datasetType: "Interactions" }, group.arn, "ACTIVE");
      add("dataset", `${name}-items`, { datasetType: "Items" }, group.arn, "ACTIVE");
      add(
        "solution",
        `${name}-user-personalization`,
        { recipeArn: "arn:aws:personalize:::recipe/aws-user-personalization" },
        group.arn,
        "ACTIVE",
      );
      add(
        "solution",
        `${name}-sims`,
        { recipeArn: "arn:aws:personalize:::recipe/aws-sims" },
        group.arn,
        "ACTIVE",
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const arg = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  void startPersonalizeControlServer(Number(arg("--port") ?? 0)).then((s) => {
    s.seedStack(arg("--stack") ?? "recs-gateway-local");
    console.log(`Local Personalize control plane listening on ${s.url}`);
    console.log(`  PERSONALIZE_CONTROL_ENDPOINT_URL=${s.url}`);
  });
}
