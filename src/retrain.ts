import type { Context } from "aws-lambda";
import { createApp } from "./app";
import { familiesInUse, loadConfig } from "./config";
import { trainModels, type TrainReport } from "./jobs/train";
import { trainingEvents } from "./jobs/training-events";

/**
 * The retrain Lambda (EventBridge schedule): the same bundle as the API, its own function, memory and
 * timeout. A failure throws, so that Lambda counts it in the function's Errors metric (and its alarm);
 * a candidate the validation gate refuses is a decision, not a failure, and is in the returned report.
 */
const app = createApp(loadConfig());

/** Time kept back from the export wait, so that a slow export fails with its name, not a timeout. */
const MARGIN_MS = 10_000;

export async function handler(_event: unknown, context: Context): Promise<TrainReport[]> {
  try {
    const source = await trainingEvents(app, {
      exportMaxWaitMs: Math.max(0, context.getRemainingTimeInMillis() - MARGIN_MS),
    });
    return await trainModels(app, { force: false, source, families: familiesInUse(app.config) });
  } catch (error) {
    app.log.error("retraining failed", { error });
    throw error;
  } finally {
    // Nobody waits for this answer: send everything before Lambda may freeze the process.
    await app.flush(Infinity);
  }
}
