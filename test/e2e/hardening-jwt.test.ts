import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

/** The optional HTTP API JWT authorizer in serverless.yml, read from what `serverless package` generates (offline). */
const ROOT = path.resolve(__dirname, "../..");
const run = promisify(execFile);

interface RawTemplate {
  Conditions: Record<string, { "Fn::Not": [{ "Fn::Equals": [string, string] }] }>;
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
}

/**
 * Packages a copy of the service in a temporary folder: `serverless package` uses the service
 * folder's .serverless as scratch space, which other tests packaging the repository also use.
 */
async function packageWith(params: Record<string, string>): Promise<RawTemplate> {
  const service = fs.mkdtempSync(path.join(os.tmpdir(), "sls-jwt-service-"));
  fs.copyFileSync(path.join(ROOT, "serverless.yml"), path.join(service, "serverless.yml"));
  // serverless.yml reads the Personalize schemas through scripts/ from src/.
  for (const folder of ["scripts", "src"])
    fs.symlinkSync(path.join(ROOT, folder), path.join(service, folder));
  fs.mkdirSync(path.join(service, "dist"));
  fs.writeFileSync(path.join(service, "dist", "lambda.js"), "exports.handler = async () => undefined;\n");
  const out = path.join(service, "out");
  const paramArgs = Object.entries(params).map(([k, v]) => `--param=${k}=${v}`);
  await run(
    path.join(ROOT, "node_modules/.bin/serverless"),
    ["package", "--stage", "test", "--package", out, ...paramArgs],
    {
      cwd: service,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: "1", SLS_NOTIFICATIONS_MODE: "off" },
    },
  );
  const template = fs.readFileSync(path.join(out, "cloudformation-template-update-stack.json"), "utf8");
  fs.rmSync(service, { recursive: true, force: true });
  return JSON.parse(template) as RawTemplate;
}

/** HasJwtAuthorizer is `not (issuer == "")`. */
const jwtOn = (t: RawTemplate) => {
  const [issuer, empty] = t.Conditions.HasJwtAuthorizer!["Fn::Not"][0]["Fn::Equals"];
  return issuer !== empty;
};

let without: RawTemplate;
let withJwt: RawTemplate;

beforeAll(async () => {
  without = await packageWith({});
  withJwt = await packageWith({
    jwtIssuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool",
    jwtAudience: "client-a,client-b",
  });
}, 120_000);

describe("JWT authorizer option in serverless.yml", () => {
  it("is off by default: the condition is false, so no authorizer and routes with NONE", () => {
    expect(jwtOn(without)).toBe(false);
    expect(without.Resources.JwtAuthorizer?.Condition).toBe("HasJwtAuthorizer");
  });

  it("with issuer and audience, guards both /graphql routes with a JWT authorizer", () => {
    expect(jwtOn(withJwt)).toBe(true);
    expect(withJwt.Resources.JwtAuthorizer?.Properties).toMatchObject({
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
      JwtConfiguration: {
        Issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool",
        Audience: { "Fn::Split": [",", "client-a,client-b"] },
      },
    });
    for (const route of ["HttpApiRoutePostGraphql", "HttpApiRouteGetGraphql"]) {
      expect(withJwt.Resources[route]?.Properties).toMatchObject({
        AuthorizationType: { "Fn::If": ["HasJwtAuthorizer", "JWT", "NONE"] },
        AuthorizerId: { "Fn::If": ["HasJwtAuthorizer", { Ref: "JwtAuthorizer" }, { Ref: "AWS::NoValue" }] },
      });
    }
  });
});
