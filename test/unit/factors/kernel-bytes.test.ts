import { describe, expect, it } from "vitest";
import { assembleKernels } from "../../../scripts/assemble-kernels";
import { KERNELS_WASM } from "../../../src/factors/kernels/kernels.wasm";

describe("the shipped WebAssembly kernels", () => {
  it("are the bytes wabt assembles from src/factors/kernels/kernels.wat (run `npm run kernels`)", async () => {
    expect(Buffer.from(KERNELS_WASM, "base64")).toEqual(Buffer.from(await assembleKernels()));
  });
});
