import {
  CreateCampaignCommand,
  CreateDatasetImportJobCommand,
  CreateEventTrackerCommand,
  CreateSolutionVersionCommand,
  DescribeCampaignCommand,
  DescribeDatasetGroupCommand,
  DescribeDatasetImportJobCommand,
  DescribeEventTrackerCommand,
  DescribeSolutionCommand,
  DescribeSolutionVersionCommand,
  GetSolutionMetricsCommand,
  LimitExceededException,
  ListCampaignsCommand,
  ListDatasetGroupsCommand,
  ListDatasetImportJobsCommand,
  ListDatasetsCommand,
  ListEventTrackersCommand,
  ListSolutionsCommand,
  ListSolutionVersionsCommand,
  ResourceAlreadyExistsException,
  ResourceInUseException,
  type PersonalizeClient,
} from "@aws-sdk/client-personalize";
import { setTimeout as sleep } from "node:timers/promises";
import { PERSONALIZE_FILES } from "./export";

/**
 * `recs personalize-setup` and `personalize-status`: what CloudFormation cannot create (dataset import
 * jobs, solution versions, campaigns, the event tracker), on top of what the stack created with the
 * `personalize` deploy parameter (dataset group, schemas, datasets, solutions). Everything is found by
 * name first, so running setup again resumes where an earlier run stopped.
 */

/** Resource names; serverless.yml creates the stack's part under the same names (`<service>-<stage>`). */
export function personalizeNames(name: string) {
  return {
    datasetGroup: name,
    userSolution: `${name}-user-personalization`,
    simsSolution: `${name}-sims`,
    /** A campaign is named after the solution it serves. */
    userCampaign: `${name}-user-personalization`,
    simsCampaign: `${name}-sims`,
    tracker: `${name}-events`,
  };
}

/** Refused by Personalize or not possible from here: printed as it is, exit 1. */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SetupError";
  }
}

export interface SetupOptions {
  /** The dataset group's name (`<service>-<stage>` for the stack's). */
  name: string;
  /** s3://bucket/prefix where `recs export-personalize` wrote; needed when a dataset has no import yet. */
  dataUri?: string;
  /** The role Personalize assumes to read `dataUri` (the stack's PersonalizeImportRoleArn output). */
  roleArn?: string;
  minProvisionedTPS?: number;
  pollMs?: number;
  say?: (line: string) => void;
}

export interface SetupResult {
  datasetGroupArn: string;
  campaignArn: string;
  similarItemsArn: string;
  trackingId: string;
  solutionVersions: { user: string; sims: string };
}

interface Stateful {
  status?: string;
  failureReason?: string;
}

export async function setupPersonalize(
  client: PersonalizeClient,
  options: SetupOptions,
): Promise<SetupResult> {
  const names = personalizeNames(options.name);
  const say = options.say ?? (() => undefined);
  const pollMs = options.pollMs ?? 30_000;

  /** Polls until ACTIVE, with a line when the state changes (and now and then while it does not). */
  const waitActive = async (label: string, describe: () => Promise<Stateful | undefined>): Promise<void> => {
    let last: string | undefined;
    for (let polls = 0; ; polls++) {
      const state = (await describe()) ?? {};
      const status = state.status ?? "UNKNOWN";
      if (status === "ACTIVE") {
        if (last !== undefined) say(`${label}: ACTIVE`);
        return;
      }
      if (/FAILED|STOPP|DELETE/.test(status))
        throw new SetupError(`${label}: ${status}${state.failureReason ? `: ${state.failureReason}` : ""}`);
      if (status !== last) say(`${label}: ${status}, waiting (Ctrl-C stops waiting; setup resumes)`);
      else if (polls % 10 === 0) say(`${label}: still ${status}`);
      last = status;
      await sleep(pollMs);
    }
  };

  /**
   * Creates, or finds what another run created meanwhile. Waits while Personalize says something it
   * depends on is still being created (ResourceInUseException); a limit is reported plainly.
   */
  const create = async <T>(
    label: string,
    send: () => Promise<T>,
    existing: () => Promise<T | undefined>,
  ): Promise<T> => {
    for (;;) {
      try {
        say(`${label}: creating`);
        return await send();
      } catch (error) {
        if (error instanceof ResourceAlreadyExistsException) {
          const found = await existing();
          if (found) return found;
        } else if (error instanceof ResourceInUseException) {
          say(`${label}: ${error.message}; trying again`);
          await sleep(pollMs);
          continue;
        } else if (error instanceof LimitExceededException) {
          throw new SetupError(
            `${label}: an Amazon Personalize quota is reached (${error.message}). Delete what you no longer ` +
              `use (old campaigns, solution versions, dataset groups) or ask for more in Service Quotas.`,
          );
        }
        throw error;
      }
    }
  };

  const group = (await listDatasetGroups(client)).find((g) => g.name === names.datasetGroup);
  if (!group?.datasetGroupArn)
    throw new SetupError(
      `no dataset group "${names.datasetGroup}": deploy the stack with --param="personalize=true" ` +
        `(it creates the dataset group, schemas, datasets and solutions), or give --name`,
    );
  const datasetGroupArn = group.datasetGroupArn;
  await waitActive(
    `dataset group ${names.datasetGroup}`,
    async () => (await client.send(new DescribeDatasetGroupCommand({ datasetGroupArn }))).datasetGroup,
  );

  const datasets = (await client.send(new ListDatasetsCommand({ datasetGroupArn }))).datasets ?? [];
  const files: Record<string, string> = {
    INTERACTIONS: PERSONALIZE_FILES.interactions,
    ITEMS: PERSONALIZE_FILES.items,
  };
  if (!datasets.some((d) => d.datasetType?.toUpperCase() === "INTERACTIONS"))
    throw new SetupError(`dataset group ${names.datasetGroup} has no Item interactions dataset`);
  for (const dataset of datasets) {
    const file = files[dataset.datasetType?.toUpperCase() ?? ""];
    if (!file || !dataset.datasetArn) continue;
    await ensureImport(dataset.datasetArn, `${dataset.datasetType!.toLowerCase()} dataset`, file);
  }

  const solutions = await listAll(async (nextToken) => {
    const out = await client.send(new ListSolutionsCommand({ datasetGroupArn, nextToken }));
    return { items: out.solutions ?? [], nextToken: out.nextToken };
  });
  const solutionArn = (name: string): string => {
    const arn = solutions.find((s) => s.name === name)?.solutionArn;
    if (!arn) throw new SetupError(`no solution "${name}": deploy the stack with --param="personalize=true"`);
    return arn;
  };
  const userVersion = await ensureSolutionVersion(solutionArn(names.userSolution), names.userSolution);
  const simsVersion = await ensureSolutionVersion(solutionArn(names.simsSolution), names.simsSolution);
  const campaignArn = await ensureCampaign(names.userCampaign, solutionArn(names.userSolution), userVersion);
  const similarItemsArn = await ensureCampaign(
    names.simsCampaign,
    solutionArn(names.simsSolution),
    simsVersion,
  );
  const trackingId = await ensureTracker();
  return {
    datasetGroupArn,
    campaignArn,
    similarItemsArn,
    trackingId,
    solutionVersions: { user: userVersion, sims: simsVersion },
  };

  /** One ACTIVE import is enough: a dataset that has data is left alone (new events reach it through the tracker). */
  async function ensureImport(datasetArn: string, label: string, file: string): Promise<void> {
    const jobs = async () =>
      listAll(async (nextToken) => {
        const out = await client.send(new ListDatasetImportJobsCommand({ datasetArn, nextToken }));
        return { items: out.datasetImportJobs ?? [], nextToken: out.nextToken };
      });
    const usable = newest((await jobs()).filter((j) => !/FAILED|STOPP|DELETE/.test(j.status ?? "")));
    let jobArn = usable?.datasetImportJobArn;
    if (!jobArn) {
      if (!options.dataUri || !options.roleArn)
        throw new SetupError(
          `the ${label} has no data yet: give --data s3://bucket/prefix (where export-personalize wrote) ` +
            `and --role-arn (the stack's PersonalizeImportRoleArn output)`,
        );
      const dataLocation = `${options.dataUri.replace(/\/+$/, "")}/${file}`;
      const jobName = `${options.name}-${label.split(" ")[0]}-${stamp()}`;
      jobArn = await create(
        `import ${dataLocation}`,
        async () =>
          (
            await client.send(
              new CreateDatasetImportJobCommand({
                jobName,
                datasetArn,
                dataSource: { dataLocation },
                roleArn: options.roleArn,
                importMode: "FULL",
              }),
            )
          ).datasetImportJobArn,
        async () => (await jobs()).find((j) => j.jobName === jobName)?.datasetImportJobArn,
      );
    }
    const arn = jobArn!;
    await waitActive(
      `${label} import`,
      async () =>
        (await client.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn: arn })))
          .datasetImportJob,
    );
  }

  /** The newest usable version, or a new one (FULL training) when there is none. */
  async function ensureSolutionVersion(solutionArn: string, name: string): Promise<string> {
    await waitActive(
      `solution ${name}`,
      async () => (await client.send(new DescribeSolutionCommand({ solutionArn }))).solution,
    );
    const versions = async () =>
      listAll(async (nextToken) => {
        const out = await client.send(new ListSolutionVersionsCommand({ solutionArn, nextToken }));
        return { items: out.solutionVersions ?? [], nextToken: out.nextToken };
      });
    const listed = (await versions()).filter((v) => !/FAILED|STOPP|DELETE/.test(v.status ?? ""));
    const usable = newest(listed.filter((v) => v.status === "ACTIVE")) ?? newest(listed);
    const arn =
      usable?.solutionVersionArn ??
      (await create(
        `training ${name}`,
        async () =>
          (await client.send(new CreateSolutionVersionCommand({ solutionArn, trainingMode: "FULL" })))
            .solutionVersionArn,
        async () => newest(await versions())?.solutionVersionArn,
      ));
    await waitActive(
      `solution version of ${name}`,
      async () =>
        (await client.send(new DescribeSolutionVersionCommand({ solutionVersionArn: arn }))).solutionVersion,
    );
    return arn!;
  }

  async function ensureCampaign(
    name: string,
    solutionArn: string,
    solutionVersionArn: string,
  ): Promise<string> {
    const find = async () =>
      (
        await listAll(async (nextToken) => {
          const out = await client.send(new ListCampaignsCommand({ solutionArn, nextToken }));
          return { items: out.campaigns ?? [], nextToken: out.nextToken };
        })
      ).find((c) => c.name === name)?.campaignArn;
    const arn =
      (await find()) ??
      (await create(
        `campaign ${name}`,
        async () =>
          (
            await client.send(
              new CreateCampaignCommand({
                name,
                solutionVersionArn,
                minProvisionedTPS: options.minProvisionedTPS ?? 1,
              }),
            )
          ).campaignArn,
        find,
      ));
    await waitActive(
      `campaign ${name}`,
      async () => (await client.send(new DescribeCampaignCommand({ campaignArn: arn }))).campaign,
    );
    return arn!;
  }

  /** A dataset group has at most one event tracker: the one there is, whatever its name, is used. */
  async function ensureTracker(): Promise<string> {
    const find = async () =>
      (await client.send(new ListEventTrackersCommand({ datasetGroupArn }))).eventTrackers?.[0]
        ?.eventTrackerArn;
    const arn =
      (await find()) ??
      (await create(
        `event tracker ${names.tracker}`,
        async () =>
          (await client.send(new CreateEventTrackerCommand({ name: names.tracker, datasetGroupArn })))
            .eventTrackerArn,
        find,
      ));
    const describe = async () =>
      (await client.send(new DescribeEventTrackerCommand({ eventTrackerArn: arn }))).eventTracker;
    await waitActive(`event tracker ${names.tracker}`, describe);
    const trackingId = (await describe())?.trackingId;
    if (!trackingId) throw new SetupError(`event tracker ${arn} has no tracking id`);
    return trackingId;
  }
}

/** One line per resource for `recs personalize-status`. */
export interface StatusRow {
  resource: string;
  name: string;
  status: string;
  arn?: string;
  detail?: string;
  /** Offline metrics of the solution's latest version (GetSolutionMetrics), when it is ACTIVE. */
  metrics?: Record<string, number>;
}

/** The offline metrics worth a glance, in this order. */
export const SHOWN_METRICS = [
  "coverage",
  "normalized_discounted_cumulative_gain_at_5",
  "normalized_discounted_cumulative_gain_at_10",
  "normalized_discounted_cumulative_gain_at_25",
  "precision_at_5",
  "precision_at_10",
  "precision_at_25",
];

export async function personalizeStatus(client: PersonalizeClient, name: string): Promise<StatusRow[]> {
  const names = personalizeNames(name);
  const group = (await listDatasetGroups(client)).find((g) => g.name === names.datasetGroup);
  if (!group?.datasetGroupArn) return [{ resource: "dataset group", name, status: "missing" }];
  const datasetGroupArn = group.datasetGroupArn;
  const rows: StatusRow[] = [
    { resource: "dataset group", name, status: group.status ?? "UNKNOWN", arn: datasetGroupArn },
  ];

  for (const dataset of (await client.send(new ListDatasetsCommand({ datasetGroupArn }))).datasets ?? []) {
    const jobs = await listAll(async (nextToken) => {
      const out = await client.send(
        new ListDatasetImportJobsCommand({ datasetArn: dataset.datasetArn, nextToken }),
      );
      return { items: out.datasetImportJobs ?? [], nextToken: out.nextToken };
    });
    const job = newest(jobs);
    rows.push({
      resource: `dataset ${dataset.datasetType?.toLowerCase()}`,
      name: dataset.name ?? "",
      status: dataset.status ?? "UNKNOWN",
      arn: dataset.datasetArn,
      detail: job ? `latest import ${job.jobName}: ${job.status}` : "no import yet",
    });
  }

  const solutions = await listAll(async (nextToken) => {
    const out = await client.send(new ListSolutionsCommand({ datasetGroupArn, nextToken }));
    return { items: out.solutions ?? [], nextToken: out.nextToken };
  });
  for (const wanted of [
    { solution: names.userSolution, campaign: names.userCampaign },
    { solution: names.simsSolution, campaign: names.simsCampaign },
  ]) {
    const solution = solutions.find((s) => s.name === wanted.solution);
    if (!solution?.solutionArn) {
      rows.push({ resource: "solution", name: wanted.solution, status: "missing" });
      continue;
    }
    const versions = await listAll(async (nextToken) => {
      const out = await client.send(
        new ListSolutionVersionsCommand({ solutionArn: solution.solutionArn, nextToken }),
      );
      return { items: out.solutionVersions ?? [], nextToken: out.nextToken };
    });
    const version = newest(versions);
    const metrics =
      version?.status === "ACTIVE"
        ? (
            await client.send(
              new GetSolutionMetricsCommand({ solutionVersionArn: version.solutionVersionArn }),
            )
          ).metrics
        : undefined;
    rows.push({
      resource: "solution",
      name: wanted.solution,
      status: solution.status ?? "UNKNOWN",
      arn: solution.solutionArn,
      detail: version ? `latest version ${version.status}: ${version.solutionVersionArn}` : "not trained yet",
      metrics: metrics
        ? Object.fromEntries(SHOWN_METRICS.filter((m) => m in metrics).map((m) => [m, metrics[m]!]))
        : undefined,
    });

    const campaigns = (await client.send(new ListCampaignsCommand({ solutionArn: solution.solutionArn })))
      .campaigns;
    const summary = campaigns?.find((c) => c.name === wanted.campaign);
    if (!summary?.campaignArn) {
      rows.push({ resource: "campaign", name: wanted.campaign, status: "missing" });
      continue;
    }
    const campaign = (await client.send(new DescribeCampaignCommand({ campaignArn: summary.campaignArn })))
      .campaign;
    const update = campaign?.latestCampaignUpdate;
    rows.push({
      resource: "campaign",
      name: wanted.campaign,
      status: campaign?.status ?? "UNKNOWN",
      arn: summary.campaignArn,
      detail:
        `serves ${campaign?.solutionVersionArn}, min ${campaign?.minProvisionedTPS} TPS (billed per hour while it exists)` +
        (update?.status && update.status !== "ACTIVE" ? `; update ${update.status}` : ""),
    });
  }

  const trackers = (await client.send(new ListEventTrackersCommand({ datasetGroupArn }))).eventTrackers ?? [];
  if (trackers.length === 0) rows.push({ resource: "event tracker", name: names.tracker, status: "missing" });
  for (const t of trackers) {
    const tracker = (
      await client.send(new DescribeEventTrackerCommand({ eventTrackerArn: t.eventTrackerArn }))
    ).eventTracker;
    rows.push({
      resource: "event tracker",
      name: t.name ?? "",
      status: t.status ?? "UNKNOWN",
      arn: t.eventTrackerArn,
      detail: tracker?.trackingId ? `tracking id ${tracker.trackingId}` : undefined,
    });
  }
  return rows;
}

function listDatasetGroups(client: PersonalizeClient) {
  return listAll(async (nextToken) => {
    const out = await client.send(new ListDatasetGroupsCommand({ nextToken, maxResults: 100 }));
    return { items: out.datasetGroups ?? [], nextToken: out.nextToken };
  });
}

async function listAll<T>(page: (token: string | undefined) => Promise<{ items: T[]; nextToken?: string }>) {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const out = await page(token);
    all.push(...out.items);
    token = out.nextToken;
  } while (token);
  return all;
}

function newest<T extends { creationDateTime?: Date }>(list: T[]): T | undefined {
  return [...list].sort(
    (a, b) => (b.creationDateTime?.getTime() ?? 0) - (a.creationDateTime?.getTime() ?? 0),
  )[0];
}

/** 20261129T204500123Z: import job names must be unique, and this says when the data came in. */
function stamp(): string {
  return new Date().toISOString().replace(/[-:.]/g, "");
}
