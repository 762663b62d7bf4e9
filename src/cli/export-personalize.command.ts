import { S3Client } from "@aws-sdk/client-s3";
import path from "node:path";
import { exportPersonalize, MIN_INTERACTIONS, MIN_REPEAT_USERS } from "../personalize/export";
import { awsClientOptions } from "../shared/aws";
import { UsageError, type Run } from "./args";
import { withApp } from "./common";

export const run: Run = async (values) => {
  if (typeof values.out !== "string") throw new UsageError("give --out DIR or --out s3://bucket/prefix");
  const out = values.out.startsWith("s3://") ? values.out : path.resolve(values.out);
  return withApp(async (app) => {
    const s3 = out.startsWith("s3://") ? new S3Client(awsClientOptions(app.config.aws.region)) : undefined;
    try {
      const result = await exportPersonalize(app.stores, out, { s3 });
      console.log(`${result.interactions} interactions, ${result.items} items`);
      console.log(`wrote ${result.files.join("\n      ")}`);
      if (result.items === 0)
        console.log("note: the catalog is empty; the Items dataset import needs at least one item");
      if (result.shortfalls.length === 0) return 0;
      console.error(
        `not enough data for Amazon Personalize to train (it needs ${MIN_INTERACTIONS} interactions and ` +
          `${MIN_REPEAT_USERS} users with 2+ interactions each):\n  - ${result.shortfalls.join("\n  - ")}`,
      );
      return 1;
    } finally {
      s3?.destroy();
    }
  });
};
