import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Optional API keys (API_KEYS). Keys are compared as SHA-256 digests so every comparison has the same
 * length and takes the same time whatever the presented value; every configured key is checked, so
 * the time does not reveal which key (if any) matched either.
 */
export class ApiKeyGuard {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  /** No keys configured: the gateway is open (local development, or a JWT authorizer in front). */
  get enabled(): boolean {
    return this.digests.length > 0;
  }

  accepts(presented: string | undefined): boolean {
    if (!this.enabled) return true;
    const candidate = digest(presented ?? "");
    let matched = false;
    for (const known of this.digests) matched = timingSafeEqual(known, candidate) || matched;
    return matched && presented !== undefined && presented !== "";
  }
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
