import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { generate, loadCodegenConfig } from "@graphql-codegen/cli";
import { printGatewaySchema } from "../../src/graphql/print-schema";

const root = path.join(__dirname, "..", "..");

describe("committed GraphQL artifacts", () => {
  it("schema/schema.graphql is what the type-graphql classes produce (run `npm run schema`)", () => {
    const committed = fs.readFileSync(path.join(root, "schema", "schema.graphql"), "utf8");
    expect(committed).toBe(printGatewaySchema());
  });

  it("src/generated/operations.ts is what codegen produces (run `npm run codegen`)", async () => {
    const { config } = await loadCodegenConfig({ configFilePath: path.join(root, "codegen.yml") });
    const outputs = await generate({ ...config, cwd: root, silent: true }, false);
    const generated = outputs.find((o: { filename: string }) => o.filename.endsWith("operations.ts"));
    const committed = fs.readFileSync(path.join(root, "src", "generated", "operations.ts"), "utf8");
    expect(generated?.content).toBe(committed);
  });
});
