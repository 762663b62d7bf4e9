import {
  GetRecommendationsCommand,
  type GetRecommendationsCommandInput,
  type PersonalizeRuntimeClient,
} from "@aws-sdk/client-personalize-runtime";
import type { Config } from "../config";
import type { PersonalizeEventForwarder } from "../personalize/event-forwarder";
import {
  StrategyUnavailableError,
  type RecommendQuery,
  type RecordedEvent,
  type RelatedQuery,
  type Strategy,
  type StrategyResult,
  type StrategyStatus,
} from "./strategy";
import type { CandidateFilter } from "../domain/ranking";

/** GetRecommendations' upper bound for numResults. */
export const PERSONALIZE_MAX_RESULTS = 500;
/**
 * At most this many results beyond k are asked for to survive exclusions Personalize does not
 * apply itself: a long history would otherwise make every call ask for hundreds (and a user who
 * has seen most of the answer gets fewer than k; PERSONALIZE_SEEN_FILTER_ARN avoids that).
 */
export const PERSONALIZE_MAX_OVERFETCH = 50;

/**
 * The placeholder the category filter must use. Create the filter in Personalize with
 *   INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)
 * and set its ARN as PERSONALIZE_CATEGORY_FILTER_ARN. Filter values are JSON-quoted strings:
 * the category "shoes" is sent as filterValues { CATEGORY: "\"shoes\"" }.
 */
export const CATEGORY_FILTER_PARAMETER = "CATEGORY";

export type PersonalizeSettings = Pick<
  Config["personalize"],
  "campaignArn" | "recommenderArn" | "similarItemsArn" | "categoryFilterArn" | "seenFilterArn"
>;

/** GetRecommendations' filter fields, and how many of the exclusions its answer may still contain. */
interface Filtering {
  fields: Pick<GetRecommendationsCommandInput, "filterArn" | "filterValues">;
  unfiltered: number;
}

/**
 * Amazon Personalize: user recommendations from a campaign or a recommender, similar items from
 * a SIMS / similar-items campaign or recommender. Personalize cannot take a list of items to leave
 * out: seen items go through a filter when one is configured; every exclusion is applied again
 * after the call, and a capped number of extra results is asked for to survive the rest.
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
    const { campaignArn, recommenderArn, similarItemsArn } = this.settings;
    const arn = campaignArn ?? recommenderArn;
    if (arn) return { configured: true, ready: true, modelVersion: resourceName(arn) };
    if (similarItemsArn)
      return {
        configured: true,
        ready: true,
        modelVersion: resourceName(similarItemsArn),
        detail: "relatedItems only: no campaign or recommender for recommendations",
      };
    return {
      configured: false,
      ready: false,
      detail: "set PERSONALIZE_CAMPAIGN_ARN, PERSONALIZE_RECOMMENDER_ARN or PERSONALIZE_SIMILAR_ITEMS_ARN",
    };
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
    return this.ask({ ...arnField(arn), itemId: query.itemId }, filter, arn, signal);
  }

  async onEvent(event: RecordedEvent): Promise<void> {
    this.forwarder?.enqueue(event);
  }

  private async ask(
    request: GetRecommendationsCommandInput,
    filter: CandidateFilter & { k: number; seen?: ReadonlySet<string> },
    arn: string,
    signal: AbortSignal,
  ): Promise<StrategyResult> {
    const { fields, unfiltered } = this.filtering(filter);
    const numResults = Math.min(
      PERSONALIZE_MAX_RESULTS,
      filter.k + Math.min(unfiltered, PERSONALIZE_MAX_OVERFETCH),
    );
    const response = await this.client.send(
      new GetRecommendationsCommand({ ...request, ...fields, numResults }),
      {
        abortSignal: signal,
      },
    );
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

  /**
   * One filter per call: a category needs the category filter (without its ARN it cannot be
   * honoured); otherwise the seen-items filter, when configured, takes the user's seen items over.
   */
  private filtering(filter: CandidateFilter & { seen?: ReadonlySet<string> }): Filtering {
    const all = filter.exclude.size;
    if (filter.category !== undefined) {
      const filterArn = this.settings.categoryFilterArn;
      if (!filterArn)
        throw new StrategyUnavailableError(
          this.name,
          "category asked but PERSONALIZE_CATEGORY_FILTER_ARN is not set",
        );
      const filterValues = { [CATEGORY_FILTER_PARAMETER]: JSON.stringify(filter.category) };
      return { fields: { filterArn, filterValues }, unfiltered: all };
    }
    const { seenFilterArn } = this.settings;
    if (seenFilterArn && filter.seen?.size)
      return { fields: { filterArn: seenFilterArn }, unfiltered: all - filter.seen.size };
    return { fields: {}, unfiltered: all };
  }
}

/** The similar-items ARN may name either; recommender ARNs read `arn:aws:personalize:<region>:<account>:recommender/<name>`. */
function arnField(arn: string): Pick<GetRecommendationsCommandInput, "campaignArn" | "recommenderArn"> {
  return /:recommender\//.test(arn) ? { recommenderArn: arn } : { campaignArn: arn };
}

function resourceName(arn: string): string {
  return arn.slice(arn.lastIndexOf("/") + 1) || arn;
}
