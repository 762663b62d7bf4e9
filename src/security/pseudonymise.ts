import { createHmac } from "node:crypto";

/** Maps a caller's user id to the id the domain stores and shares. */
export type UserIdMapper = (userId: string) => string;

export const keepUserId: UserIdMapper = (userId) => userId;

/**
 * With USER_ID_HMAC_KEY set, user ids become HMAC-SHA256 pseudonyms (base64url, 43 characters):
 * stable for the same id and key, so a user's events and queries meet on the same state, while
 * storage, models, logs and Personalize never see the raw id. Without a key, ids pass unchanged.
 */
export function userIdPseudonymiser(hmacKey: string | undefined): UserIdMapper {
  if (!hmacKey) return keepUserId;
  return (userId) => createHmac("sha256", hmacKey).update(userId, "utf8").digest("base64url");
}
