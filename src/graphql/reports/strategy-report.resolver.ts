import { Arg, Ctx, Int, Query, Resolver } from "type-graphql";
import { InputError } from "../../events/event.validation";
import { MAX_REPORT_DAYS } from "../../recommend/attribution.service";
import type { GraphQLContext } from "../context";
import { StrategyReport } from "./strategy-report.type";

@Resolver()
export class StrategyReportResolver {
  @Query(() => StrategyReport, {
    description: "Attribution counts of the last `days` days (1..90), per strategy and variant.",
  })
  strategyReport(
    @Arg("days", () => Int, { nullable: true, defaultValue: 7 }) days: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<StrategyReport> {
    if (!Number.isInteger(days) || days < 1 || days > MAX_REPORT_DAYS) {
      throw new InputError("days", `must be an integer in 1..${MAX_REPORT_DAYS}`);
    }
    return ctx.app.attribution.report(days);
  }
}
