import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { Config } from "../config";
import type { Logger } from "../observability/logger";
import { ApiKeyGuard } from "./api-keys";
import { userIdPseudonymiser, type UserIdMapper } from "./pseudonymise";

/** After a failed re-read, the last values serve this long before SSM is asked again. */
const RETRY_AFTER_FAILURE_MS = 10_000;

/**
 * The API keys and the user-id HMAC key, as of the last read. A secret whose parameter name is set
 * (API_KEYS_PARAMETER, USER_ID_HMAC_KEY_PARAMETER) is read from SSM Parameter Store, decrypted, through
 * Powertools Parameters, whose cache keeps it `maxAgeSeconds`: a rotated value takes effect within that
 * time, without a deploy, and nothing secret sits in the function's configuration. Otherwise the plain
 * variable is the value for good (local use).
 *
 * Fails closed: until a configured parameter has been read, `refresh` throws and `pseudonymise` throws,
 * so nothing is served without the keys nor stored under a raw id. Once read, a failed re-read keeps
 * the last values (logged) instead of failing every request while SSM is unreachable.
 */
export class Secrets {
  private readonly provider?: SSMProvider;
  private rawKeys?: string;
  private rawHmacKey?: string;
  private guard: ApiKeyGuard;
  private mapper: UserIdMapper;
  private loaded = false;
  private retryAt = 0;

  constructor(
    private readonly config: Config["security"],
    region: string,
    private readonly log: Logger,
  ) {
    const { parameters } = config;
    this.guard = new ApiKeyGuard(config.apiKeys);
    this.mapper = parameters.userIdHmacKey ? notLoaded : userIdPseudonymiser(config.userIdHmacKey);
    this.rawHmacKey = config.userIdHmacKey;
    if (parameters.apiKeys || parameters.userIdHmacKey) {
      this.provider = new SSMProvider({
        awsSdkV3Client: new SSMClient({ region, endpoint: config.ssmEndpointUrl, maxAttempts: 2 }),
      });
    } else {
      this.loaded = true;
    }
  }

  get apiKeys(): ApiKeyGuard {
    return this.guard;
  }

  /** The id the domain stores for a caller's user id: its HMAC pseudonym when a key is configured. */
  pseudonymise(userId: string): string {
    return this.mapper(userId);
  }

  /**
   * How logs name a user: the keyed pseudonym (what the tables hold), or nothing without a key. An
   * unkeyed hash of a guessable id (an e-mail address, a number) is reversed by hashing guesses.
   */
  logName(userId: string): string | undefined {
    return this.rawHmacKey ? this.mapper(userId) : undefined;
  }

  /** Reads what SSM holds, or finds it in the cache: cheap once loaded, so it runs before every request. */
  async refresh(): Promise<void> {
    const provider = this.provider;
    if (!provider || Date.now() < this.retryAt) return;
    const { parameters, maxAgeSeconds } = this.config;
    const read = async (name: string | undefined) =>
      name ? String(await provider.get(name, { decrypt: true, maxAge: maxAgeSeconds })) : undefined;
    try {
      // Both reads at once (on a cold start, beside the model load).
      const [keys, hmacKey] = await Promise.all([read(parameters.apiKeys), read(parameters.userIdHmacKey)]);
      if (keys !== undefined) this.useKeys(parameters.apiKeys!, keys);
      if (hmacKey !== undefined) this.useHmacKey(parameters.userIdHmacKey!, hmacKey);
      this.loaded = true;
    } catch (error) {
      if (!this.loaded) throw error;
      this.retryAt = Date.now() + RETRY_AFTER_FAILURE_MS;
      this.log.warn("could not read the secrets from SSM; keeping the last values", { error });
    }
  }

  private useKeys(name: string, raw: string): void {
    if (raw === this.rawKeys) return;
    const keys = raw
      .split(",")
      .map((k) => k.trim())
      .filter(Boolean);
    // An empty parameter must not open the gateway.
    if (!keys.length) throw new Error(`SSM parameter ${name} holds no API key`);
    this.guard = new ApiKeyGuard(keys);
    this.rawKeys = raw;
  }

  private useHmacKey(name: string, raw: string): void {
    if (raw === this.rawHmacKey) return;
    if (!raw.trim()) throw new Error(`SSM parameter ${name} holds no key`);
    this.mapper = userIdPseudonymiser(raw);
    this.rawHmacKey = raw;
  }
}

const notLoaded: UserIdMapper = () => {
  throw new Error("the user-id HMAC key has not been read from SSM yet (Secrets.refresh)");
};
