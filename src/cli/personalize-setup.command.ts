import { loadConfig } from "../config";
import { createPersonalizeControlClient } from "../personalize/clients";
import { setupPersonalize, SetupError } from "../personalize/setup";
import { intFlag, UsageError, type Run } from "./args";

export const run: Run = async (values) => {
  const config = loadConfig();
  const data = values.data as string | undefined;
  if (data !== undefined && !/^s3:\/\/[^/]+/.test(data))
    throw new UsageError("--data must be s3://bucket/prefix");
  const client = createPersonalizeControlClient({
    region: config.aws.region,
    endpointUrl: config.personalize.controlEndpointUrl,
  });
  try {
    const result = await setupPersonalize(client, {
      name: (values.name as string | undefined) ?? defaultName(config.stage),
      dataUri: data,
      roleArn: values["role-arn"] as string | undefined,
      minProvisionedTPS: intFlag(values, "min-tps", 1, 100_000),
      pollMs: intFlag(values, "poll-seconds", 0, 3600)! * 1000,
      say: (line) => console.log(line),
    });
    console.log(`
Amazon Personalize is ready. Set these for the gateway:
  PERSONALIZE_CAMPAIGN_ARN=${result.campaignArn}
  PERSONALIZE_SIMILAR_ITEMS_ARN=${result.similarItemsArn}
  PERSONALIZE_TRACKING_ID=${result.trackingId}
or deploy with:
  --param="personalizeCampaignArn=${result.campaignArn}" \\
  --param="personalizeSimilarItemsArn=${result.similarItemsArn}" \\
  --param="personalizeTrackingId=${result.trackingId}"
Each campaign bills per hour of provisioned TPS while it exists (see the README to delete them).`);
    return 0;
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    console.error(`recs personalize-setup: ${error.message}`);
    return 1;
  } finally {
    client.destroy();
  }
};

/** The stack names its dataset group `<service>-<stage>`. */
export const defaultName = (stage: string): string => `recs-gateway-${stage}`;
