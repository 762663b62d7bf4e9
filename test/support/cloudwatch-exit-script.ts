// Run by the cloudwatch metrics test: puts one value and ends without flushing; the sink must still send it.
import { Logger } from "../../src/observability/logger";
import { createMetrics } from "../../src/observability/metrics";

const metrics = createMetrics(
  { sink: "cloudwatch", namespace: "TestNs", endpointUrl: process.argv[2], region: "us-east-1" },
  new Logger("silent"),
);
metrics.put("TrainingSeconds", 12, "Seconds");
