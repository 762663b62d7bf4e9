import { loadConfig } from "../config";
import { createPersonalizeControlClient } from "../personalize/clients";
import { personalizeStatus } from "../personalize/setup";
import type { Run } from "./args";
import { defaultName } from "./personalize-setup.command";

export const run: Run = async (values) => {
  const config = loadConfig();
  const client = createPersonalizeControlClient({
    region: config.aws.region,
    endpointUrl: config.personalize.controlEndpointUrl,
  });
  try {
    const rows = await personalizeStatus(
      client,
      (values.name as string | undefined) ?? defaultName(config.stage),
    );
    for (const row of rows) {
      console.log(`${row.resource.padEnd(22)} ${row.name.padEnd(40)} ${row.status}`);
      if (row.arn) console.log(`${"".padEnd(23)}${row.arn}`);
      if (row.detail) console.log(`${"".padEnd(23)}${row.detail}`);
      for (const [metric, value] of Object.entries(row.metrics ?? {}))
        console.log(`${"".padEnd(23)}${metric.padEnd(44)} ${value.toFixed(4)}`);
    }
    return 0;
  } finally {
    client.destroy();
  }
};
