import fs from "node:fs";
import path from "node:path";
import { printGatewaySchema } from "../src/graphql/print-schema";

/** `npm run schema`: schema/schema.graphql from the type-graphql classes (committed; a test checks drift). */
const target = path.join(__dirname, "..", "schema", "schema.graphql");
fs.writeFileSync(target, printGatewaySchema());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
