// A development emulator, kept out of src/: only this command loads it, so it is in the CLI bundle
// (initialised on first use) and never in the Lambda bundles.
import { startLocalEndpoint } from "../../tools/local-sagemaker-endpoint";
import { UsageError, intFlag, type Run } from "./args";

export const run: Run = async (values) => {
  if (typeof values.model !== "string") throw new UsageError("give --model FILE.json");
  const name = String(values.name);
  const endpoint = await startLocalEndpoint({
    modelPath: values.model,
    port: intFlag(values, "port", 0, 65535)!,
    host: "127.0.0.1",
    endpointName: name,
  });
  console.log(
    `local SageMaker endpoint "${name}" at ${endpoint.url} (${endpoint.model.featureCount} features)`,
  );
  console.log("serve with it:");
  console.log(
    `  RECS_STRATEGY=SAGEMAKER_XGBOOST SAGEMAKER_ENDPOINT_NAME=${name} SAGEMAKER_ENDPOINT_URL=${endpoint.url} npm start`,
  );
  console.log("Ctrl-C stops it.");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await endpoint.close();
  return 0;
};
