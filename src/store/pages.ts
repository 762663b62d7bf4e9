type Row = Record<string, unknown>;

/** Follows LastEvaluatedKey until a Query or Scan has returned every page. */
export async function allPages(
  read: (startKey: Row | undefined) => Promise<{ Items?: Row[]; LastEvaluatedKey?: Row }>,
): Promise<Row[]> {
  const rows: Row[] = [];
  let startKey: Row | undefined;
  do {
    const page = await read(startKey);
    rows.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return rows;
}
