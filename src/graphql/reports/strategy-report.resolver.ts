import { Arg, Ctx, Float, Int, Query, Resolver } from "type-graphql";
import { InputError } from "../../domain/errors";
import { MAX_REPORT_DAYS } from "../../recommend/attribution.service";
import { DEFAULT_TEST_OPTIONS } from "../../stats/ab-test";
import type { GraphQLContext } from "../context";
import { StrategyReport } from "./strategy-report.type";

@Resolver()
export class StrategyReportResolver {
  @Query(() => StrategyReport, {
    description:
      "Attribution counts of the last `days` days (1..90), per strategy and variant, and each variant " +
      "against the control (default: the first variant of RECS_AB) with a fixed-horizon z-test.",
  })
  strategyReport(
    @Arg("days", () => Int, { nullable: true, defaultValue: 7 }) days: number,
    @Arg("control", () => String, { nullable: true, description: 'A variant, e.g. "NMF:50".' })
    control: string | null | undefined,
    @Arg("minimumDetectableEffect", () => Float, {
      nullable: true,
      defaultValue: DEFAULT_TEST_OPTIONS.minimumDetectableEffect,
      description: "Relative lift worth detecting (0.01..10): sets the sample each arm needs.",
    })
    minimumDetectableEffect: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<StrategyReport> {
    if (!Number.isInteger(days) || days < 1 || days > MAX_REPORT_DAYS) {
      throw new InputError("days", `must be an integer in 1..${MAX_REPORT_DAYS}`);
    }
    if (!(minimumDetectableEffect >= 0.01 && minimumDetectableEffect <= 10)) {
      throw new InputError("minimumDetectableEffect", "must be a number in 0.01..10");
    }
    if (control != null && (control.length < 1 || control.length > 100)) {
      throw new InputError("control", "must be 1..100 characters");
    }
    return ctx.app.attribution.report({
      days,
      control: control ?? undefined,
      test: { ...DEFAULT_TEST_OPTIONS, minimumDetectableEffect },
    });
  }
}
