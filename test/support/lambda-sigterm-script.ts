// Run by the Lambda shutdown test, in the environment setLambdaEnvironment gives: one recordEvents
// invocation through the real handler module, then the process waits for the signal Lambda sends.
import type { APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { httpApiEvent } from "./lambda-events";

async function main(): Promise<void> {
  const { handler } = await import("../../src/lambda");
  const inputs = Array.from({ length: Number(process.argv[2]) }, (_, i) => ({
    userId: `shutdown-${i}`,
    itemId: "item-1",
    type: "VIEW",
  }));
  const query = `mutation ($inputs: [EventInput!]!) { recordEvents(inputs: $inputs) { eventId } }`;
  const result = (await handler(httpApiEvent({ body: JSON.stringify({ query, variables: { inputs } }) }), {
    awsRequestId: "req-1",
    functionName: "recs",
  } as unknown as Context)) as APIGatewayProxyStructuredResultV2;
  process.stdout.write(`${result.body}\n`);
  // Stays up, as a frozen container does, until SIGTERM (lambda.ts) ends it.
  setInterval(() => undefined, 1 << 30);
}

void main();
