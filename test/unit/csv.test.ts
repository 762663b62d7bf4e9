import { describe, expect, it } from "vitest";
import { parseEventsCsv } from "../../src/events/csv";
import { parseItemsCsv } from "../../src/events/items-csv";

const rules = { weights: { VIEW: 1, ADD_TO_CART: 3, PURCHASE: 5, RATING: 1 }, maxFutureSkewSeconds: 300 };
const now = Date.UTC(2026, 10, 21);

describe("parseEventsCsv", () => {
  it("reads columns by name in any order and maps event types to weights", () => {
    const csv =
      "eventType,timestamp,itemId,userId\nview,1700000000,i1,u1\nadd_to_cart,2023-11-14T22:13:20Z,i2,u1\n";
    const { events, errors } = parseEventsCsv(csv, rules, now);
    expect(errors).toEqual([]);
    expect(events.map((e) => [e.userId, e.itemId, e.type, e.weight, e.timestamp])).toEqual([
      ["u1", "i1", "VIEW", 1, 1_700_000_000_000],
      ["u1", "i2", "ADD_TO_CART", 3, 1_700_000_000_000],
    ]);
  });

  it("uses a rating column as the weight", () => {
    const { events } = parseEventsCsv("user_id,item_id,rating,timestamp\n1,31,2.5,1260759144\n", rules, now);
    expect(events[0]).toMatchObject({ userId: "1", itemId: "31", type: "RATING", weight: 2.5, value: 2.5 });
  });

  it("reports bad rows with their line numbers, keeps the rest, and handles quotes and CRLF", () => {
    const csv = [
      "userId,itemId,timestamp,eventType,value",
      'u1,"item, with comma",1700000000,purchase,12.5',
      "u2,i2,1700000000,teleport,",
      ",i3,1700000000,view,",
      'u4,"say ""hi""",1700000000,view,',
      "u5,i5,not-a-time,view,",
    ].join("\r\n");
    const { events, errors } = parseEventsCsv(csv, rules, now);
    expect(events.map((e) => e.itemId)).toEqual(["item, with comma", 'say "hi"']);
    expect(errors.map((e) => e.line)).toEqual([3, 4, 6]);
    expect(errors[0]!.message).toMatch(/^type:/);
    expect(errors[1]!.message).toMatch(/^userId:/);
  });

  it("refuses a header without the required columns", () => {
    expect(() => parseEventsCsv("userId,itemId,eventType\nu,i,view\n", rules, now)).toThrow(/timestamp/);
    expect(() => parseEventsCsv("userId,itemId,timestamp\nu,i,1\n", rules, now)).toThrow(/eventType.*rating/);
  });
});

describe("parseItemsCsv", () => {
  it("reads a catalog and skips rows without an id", () => {
    const { items, errors } = parseItemsCsv(
      "itemId,title,category,price\ni1,Tent,outdoor,99.5\n,Nameless,x,1\ni2,,books,\n",
    );
    expect(items).toEqual([
      { itemId: "i1", title: "Tent", category: "outdoor", price: 99.5, imageUrl: undefined },
      { itemId: "i2", title: undefined, category: "books", price: undefined, imageUrl: undefined },
    ]);
    expect(errors.map((e) => e.line)).toEqual([3]);
  });
});
