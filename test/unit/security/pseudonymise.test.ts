import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { userIdPseudonymiser } from "../../../src/security/pseudonymise";

describe("userIdPseudonymiser", () => {
  it("is the HMAC-SHA256 of the id, base64url, stable per key", () => {
    const pseudonymise = userIdPseudonymiser("k1");
    const expected = createHmac("sha256", "k1").update("alice").digest("base64url");
    expect(pseudonymise("alice")).toBe(expected);
    expect(pseudonymise("alice")).toBe(expected);
    expect(pseudonymise("alice")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pseudonymise("bob")).not.toBe(expected);
    expect(userIdPseudonymiser("k2")("alice")).not.toBe(expected);
  });

  it("keeps ids unchanged without a key", () => {
    expect(userIdPseudonymiser(undefined)("alice")).toBe("alice");
  });
});
