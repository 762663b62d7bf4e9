/**
 * Options shared by every AWS SDK client. With an endpoint override (dynalite, the local SageMaker,
 * Personalize and CloudWatch servers) the SDK still signs requests, so it needs some credentials even on
 * a machine without any: the environment's when present, placeholders otherwise.
 */
export function awsClientOptions(region: string, endpoint?: string) {
  return {
    region,
    endpoint,
    ...(endpoint
      ? {
          credentials: {
            accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "local",
            secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "local",
          },
        }
      : {}),
  };
}
