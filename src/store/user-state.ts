/**
 * Per-user state derived from events (the events table stays the source of truth): what the request
 * path reads on every recommendation and the write path rewrites on every event, so it is bounded in
 * bytes and stored packed (see encodeInteractions).
 */
export interface UserState {
  userId: string;
  /** itemId -> [summed weight, last interaction epoch ms] */
  interactions: Record<string, [number, number]>;
  /** Latent vector folded in against the model named by vectorModel (NMF). */
  vector?: number[];
  vectorModel?: string;
  version: number;
  updatedAt: number;
}

/**
 * The packed interactions stay within this many bytes (about 250 items with short ids): the item is
 * rewritten on every event, and a few KB is a few write units where a DynamoDB map of 500 pairs was 20 KB.
 * The most recent interactions are kept; training reads the events, so nothing older is lost there.
 */
export const MAX_INTERACTION_BYTES = 4096;
const FORMAT = 1;
/** After the id: float32 summed weight, uint32 last interaction in epoch seconds. */
const FIXED_BYTES = 8;

export function emptyUserState(userId: string): UserState {
  return { userId, interactions: {}, version: 0, updatedAt: 0 };
}

/**
 * Adds interactions, then keeps the most recent that fit MAX_INTERACTION_BYTES: one trim per batch,
 * so a user with thousands of imported events costs one sort, not one per event.
 */
export function addInteractions(
  state: UserState,
  events: Iterable<{ itemId: string; weight: number; timestamp: number }>,
): void {
  for (const { itemId, weight, timestamp } of events) {
    const previous = state.interactions[itemId];
    state.interactions[itemId] = [(previous?.[0] ?? 0) + weight, Math.max(previous?.[1] ?? 0, timestamp)];
  }
  const ids = Object.keys(state.interactions);
  let bytes = 1 + ids.reduce((sum, id) => sum + entryBytes(id), 0);
  if (bytes <= MAX_INTERACTION_BYTES) return;
  ids.sort((a, b) => state.interactions[a]![1] - state.interactions[b]![1]);
  for (const id of ids) {
    if (bytes <= MAX_INTERACTION_BYTES) break;
    bytes -= entryBytes(id);
    delete state.interactions[id];
  }
}

export function interactionWeights(state: UserState | undefined): Map<string, number> {
  return new Map(Object.entries(state?.interactions ?? {}).map(([id, [w]]) => [id, w]));
}

/**
 * [format byte] then per item: its UTF-8 id behind a varint length, float32 weight, uint32 seconds.
 * One binary attribute instead of a map of lists: a tenth of the bytes, and one value for the SDK and
 * the store to marshal instead of three per interaction.
 */
export function encodeInteractions(interactions: UserState["interactions"]): Uint8Array {
  const entries = Object.entries(interactions);
  const out = new Uint8Array(1 + entries.reduce((sum, [id]) => sum + entryBytes(id), 0));
  const view = new DataView(out.buffer);
  out[0] = FORMAT;
  let at = 1;
  const encoder = new TextEncoder();
  for (const [id, [weight, lastMs]] of entries) {
    const idBytes = encoder.encode(id);
    at = writeVarint(out, at, idBytes.length);
    out.set(idBytes, at);
    at += idBytes.length;
    view.setFloat32(at, weight, true);
    view.setUint32(at + 4, Math.floor(lastMs / 1000), true);
    at += FIXED_BYTES;
  }
  return out;
}

export function decodeInteractions(bytes: Uint8Array): UserState["interactions"] {
  if (bytes[0] !== FORMAT) throw new Error(`unknown user state format ${bytes[0]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  const out: UserState["interactions"] = {};
  let at = 1;
  while (at < bytes.length) {
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++]!;
      length |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    const id = decoder.decode(bytes.subarray(at, at + length));
    at += length;
    out[id] = [view.getFloat32(at, true), view.getUint32(at + 4, true) * 1000];
    at += FIXED_BYTES;
  }
  return out;
}

function entryBytes(id: string): number {
  const length = Buffer.byteLength(id);
  return varintBytes(length) + length + FIXED_BYTES;
}

function varintBytes(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : 3;
}

function writeVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[at++] = value;
  return at;
}
