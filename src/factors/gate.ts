import type { GateDecision } from "./model";

/** Pure decision rule, separate so it can be read and tested on its own. */
export function decide(
  candidateNdcg: number,
  popularityNdcg: number,
  latestVersion: string | undefined,
  latestNdcg: number | undefined,
  { allowedNdcgDrop, force }: { allowedNdcgDrop: number; force: boolean },
): GateDecision {
  const figures = {
    candidateNdcg,
    popularityNdcg,
    latestVersion,
    latestNdcg,
    allowedNdcgDrop,
    forced: force,
  };
  let problem: string | undefined;
  if (candidateNdcg < popularityNdcg) problem = "candidate is below the popularity baseline";
  else if (latestNdcg !== undefined && candidateNdcg < latestNdcg - allowedNdcgDrop) {
    problem = `candidate is more than ${allowedNdcgDrop} below the current latest`;
  }
  if (problem === undefined) return { ...figures, promoted: true, reason: "candidate passes the gate" };
  if (force) return { ...figures, promoted: true, reason: `forced despite: ${problem}` };
  return { ...figures, promoted: false, reason: problem };
}
