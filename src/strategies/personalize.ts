import {
  GetRecommendationsCommand,
  type GetRecommendationsCommandInput,
  type PersonalizeRuntimeClient,
} from "@aws-sdk/client-personalize-runtime";
import type { Config } from "../config";
import type { PersonalizeEventForwarder } from "../personalize/event-forwarder";
import {
  StrategyUnavailableError,
  type CandidateFilter,
  type RecommendQuery,
  type RecordedEvent,
  type RelatedQuery,
  type Strategy,
  type StrategyResult,
  type StrategyStatus,
} from "./strategy";

/** GetRecommendations' upper bound for numResults. */
export const PERSONALIZE_MAX_RESULTS = 500;

/**
 * The placeholder the category filter must use. Create the filter in Personalize with
 *   INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)
 * and set its ARN as PERSONALIZE_CATEGORY_FILTER_ARN. Filter values are JSON-quoted strings:
 * the category "shoes" is sent as filterValues { CATEGORY: "\"shoes\"" }.
 */
export const CATEGORY_FILTER_PARAMETER = "CATEGORY";

export type PersonalizeSettings = Pick<
  Config["personalize"],
  "campaignArn" | "recommenderArn" | "similarItemsArn" | "categoryFilterArn"
>;

/**
 * Amazon Personalize: user recommendations from a campaign or a recommender, similar items from
 * a SIMS / similar-items campaign or recommender. Exclusions are applied after the call (Personalize
 * cannot take a list of items to leave out), so it asks for enough extra items to survive them.
 */
export class PersonalizeStrategy implements Strategy {
  readonly name = "PERSONALIZE" as const;

  constructor(
    private readonly settings: PersonalizeSettings,
    private readonly client: PersonalizeRuntimeClient,
    /** Given when PERSONALIZE_TRACKING_ID is set: stored events then also reach the event tracker. */
    private readonly forwarder?: PersonalizeEventForwarder,
  ) {}

  status(): StrategyStatus {
    const arn = this.settings.campaignArn ?? this.settings.recommenderArn;
    if (!arn)
      return {
        configured: false,
        ready: false,
        detail: "set PERSONALIZE_CAMPAIGN_ARN or PERSONALIZE_RECOMMENDER_ARN",
      };
    return { configured: true, ready: true, modelVersion: resourceName(arn) };
  }

  async recommend(query: RecommendQuery, signal: AbortSignal): Promise<StrategyResult> {
    const { campaignArn, recommenderArn } = this.settings;
    // A campaign wins when both are set: it is the more specific resource.
    const arn = campaignArn ?? recommenderArn;
    if (!arn) throw new StrategyUnavailableError(this.name, "no campaign or recommender configured");
    return this.ask(
      {
        ...(campaignArn ? { campaignArn } : { recommenderArn }),
        userId: query.userId,
        context: query.context,
        ...this.filterFields(query),
      },
      query,
      arn,
      signal,
    );
  }

  async related(query: RelatedQuery, signal: AbortSignal): Promise<StrategyResult> {
    const arn = this.settings.similarItemsArn;
    if (!arn) throw new StrategyUnavailableError(this.name, "no similar-items campaign configured");
    const filter = { ...query, exclude: new Set([...query.exclude, query.itemId]) };
    return this.ask(
      { ...arnField(arn), itemId: query.itemId, ...this.filterFields(query) },
      filter,
      arn,
      signal,
    );
  }

  async onEvent(event: RecordedEvent): Promise<void> {
    this.forwarder?.enqueue(event);
  }

  private async ask(
    request: GetRecommendationsCommandInput,
    filter: CandidateFilter & { k: number },
    arn: string,
    signal: AbortSignal,
  ): Promise<StrategyResult> {
    const numResults = Math.min(PERSONALIZE_MAX_RESULTS, filter.k + filter.exclude.size);
    const response = await this.client.send(new GetRecommendationsCommand({ ...request, numResults }), {
      abortSignal: signal,
    });
    const listed = (response.itemList ?? []).filter((entry) => entry.itemId !== undefined);
    const items = listed
      .map((entry, rank) => ({
        itemId: entry.itemId!,
        // Some recommenders return no scores: fall back to a rank-based one, best first.
        score: entry.score ?? 1 / (rank + 1),
      }))
      .filter((item) => !filter.exclude.has(item.itemId))
      .slice(0, filter.k);
    return { items, externalId: response.recommendationId, modelVersion: resourceName(arn) };
  }

  /** The category is filtered by Personalize itself; without a filter ARN it cannot be honoured. */
  private filterFields(
    filter: CandidateFilter,
  ): Pick<GetRecommendationsCommandInput, "filterArn" | "filterValues"> {
    if (filter.category === undefined) return {};
    const filterArn = this.settings.categoryFilterArn;
    if (!filterArn)
      throw new StrategyUnavailableError(
        this.name,
        "category asked but PERSONALIZE_CATEGORY_FILTER_ARN is not set",
      );
    return { filterArn, filterValues: { [CATEGORY_FILTER_PARAMETER]: JSON.stringify(filter.category) } };
  }
}

/** The similar-items ARN may name either; recommender ARNs read `arn:aws:personalize:<region>:<account>:recommender/<name>`. */
function arnField(arn: string): Pick<GetRecommendationsCommandInput, "campaignArn" | "recommenderArn"> {
  return /:recommender\//.test(arn) ? { recommenderArn: arn } : { campaignArn: arn };
}

function resourceName(arn: string): string {
  return arn.slice(arn.lastIndexOf("/") + 1) || arn;
}
