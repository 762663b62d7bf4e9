import { describe, expect, it } from "vitest";
import {
  addInteractions,
  decodeInteractions,
  emptyUserState,
  encodeInteractions,
  MAX_INTERACTION_BYTES,
} from "../../../src/store/user-state";

describe("user state", () => {
  it("packs interactions and reads them back: any UTF-8 id, ids longer than one varint byte, seconds", () => {
    const interactions: Record<string, [number, number]> = {
      a: [1, 1_000],
      "ünï-çødé 🎧": [4.5, 1_700_000_000_000],
      ["x".repeat(300)]: [12, 86_400_000],
    };
    expect(decodeInteractions(encodeInteractions(interactions))).toEqual(interactions);
    // Sub-second parts are dropped: recency only orders interactions.
    expect(decodeInteractions(encodeInteractions({ b: [2, 1_999] }))).toEqual({ b: [2, 1_000] });
  });

  it("refuses a format it does not know instead of misreading it", () => {
    expect(() => decodeInteractions(Uint8Array.of(9, 1, 0x61))).toThrow(/format 9/);
  });

  it("keeps the most recent interactions within the byte budget, summing repeats", () => {
    const state = emptyUserState("heavy");
    const events = Array.from({ length: 1_000 }, (_, i) => ({
      itemId: `item-${String(i).padStart(5, "0")}`,
      weight: 1,
      timestamp: (i + 1) * 1_000,
    }));
    addInteractions(state, events);
    addInteractions(state, [{ itemId: "item-00999", weight: 2, timestamp: 2_000_000 }]);
    const bytes = encodeInteractions(state.interactions).length;
    expect(bytes).toBeLessThanOrEqual(MAX_INTERACTION_BYTES);
    expect(bytes).toBeGreaterThan(MAX_INTERACTION_BYTES - 20);
    const kept = Object.keys(state.interactions).sort();
    expect(kept.at(-1)).toBe("item-00999");
    // Exactly the newest ones survive: a contiguous run ending at the last item.
    const first = Number(kept[0]!.slice(5));
    expect(kept).toEqual(
      Array.from({ length: 1_000 - first }, (_, i) => `item-${String(first + i).padStart(5, "0")}`),
    );
    expect(state.interactions["item-00999"]).toEqual([3, 2_000_000]);
  });
});
