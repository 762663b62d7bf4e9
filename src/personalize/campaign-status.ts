import { DescribeCampaignCommand, type PersonalizeClient } from "@aws-sdk/client-personalize";
import type { Logger } from "../observability/logger";
import { BackgroundRefresh } from "../shared/background-refresh";

/** What the health query shows of the configured campaign. */
export interface CampaignHealth {
  arn: string;
  status?: string;
  solutionVersionArn?: string;
  minProvisionedTPS?: number;
  /** The status of an update in progress (a new solution version being deployed). */
  pendingUpdate?: string;
  /** ISO time of the DescribeCampaign answer shown. */
  checkedAt?: string;
  /** Why the status is unknown or old: the failure of the last DescribeCampaign. */
  detail?: string;
}

/**
 * The campaign's state for the health query, from DescribeCampaign on the control plane. Health is
 * polled often and must stay cheap: the answer is reused for `maxAgeSeconds` and refreshed in the
 * background (only the very first health call waits, and at most `timeoutMs`). A failure becomes the
 * `detail`, never a failed health query.
 */
export class CampaignMonitor {
  private readonly state: BackgroundRefresh<Omit<CampaignHealth, "arn" | "detail">>;

  constructor(
    private readonly client: PersonalizeClient,
    readonly arn: string,
    maxAgeSeconds: number,
    log: Logger,
    private readonly timeoutMs = 2_000,
  ) {
    this.state = new BackgroundRefresh(
      () => this.describe(),
      maxAgeSeconds,
      (err) => log.warn("personalize DescribeCampaign failed", { err }),
    );
  }

  async health(): Promise<CampaignHealth> {
    const value = await this.state.get();
    const error = this.state.error;
    const detail = error
      ? `DescribeCampaign failed: ${error}${value ? " (showing the last answer)" : ""}`
      : undefined;
    return { arn: this.arn, ...value, detail };
  }

  private async describe(): Promise<Omit<CampaignHealth, "arn" | "detail">> {
    const { campaign } = await this.client.send(new DescribeCampaignCommand({ campaignArn: this.arn }), {
      abortSignal: AbortSignal.timeout(this.timeoutMs),
    });
    const update = campaign?.latestCampaignUpdate?.status;
    return {
      status: campaign?.status,
      solutionVersionArn: campaign?.solutionVersionArn,
      minProvisionedTPS: campaign?.minProvisionedTPS,
      pendingUpdate: update && update !== "ACTIVE" ? update : undefined,
      checkedAt: new Date().toISOString(),
    };
  }
}
