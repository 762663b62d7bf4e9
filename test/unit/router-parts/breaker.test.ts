import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../../src/strategies/breaker";

function fakeClock(start = 1_000_000): { now: () => number; advance: (seconds: number) => void } {
  let t = start;
  return { now: () => t, advance: (seconds) => (t += seconds * 1000) };
}

function breaker(clock: { now: () => number }): CircuitBreaker {
  return new CircuitBreaker({ failures: 3, windowSeconds: 10, openSeconds: 30, now: clock.now });
}

describe("CircuitBreaker", () => {
  it("stays closed below the failure threshold", () => {
    const clock = fakeClock();
    const b = breaker(clock);
    b.onFailure();
    b.onFailure();
    expect(b.state()).toBe("closed");
    expect(b.canPass()).toBe(true);
  });

  it("opens after N failures within the window and lets nothing through", () => {
    const clock = fakeClock();
    const b = breaker(clock);
    for (let i = 0; i < 3; i++) b.onFailure();
    expect(b.state()).toBe("open");
    expect(b.canPass()).toBe(false);
    clock.advance(29);
    expect(b.canPass()).toBe(false);
  });

  it("forgets failures that slid out of the window", () => {
    const clock = fakeClock();
    const b = breaker(clock);
    b.onFailure();
    b.onFailure();
    clock.advance(11);
    b.onFailure();
    expect(b.state()).toBe("closed");
    b.onFailure();
    expect(b.state()).toBe("closed");
    b.onFailure();
    expect(b.state()).toBe("open");
  });

  it("goes half-open after openSeconds and lets exactly one probe through", () => {
    const clock = fakeClock();
    const b = breaker(clock);
    for (let i = 0; i < 3; i++) b.onFailure();
    clock.advance(30);
    expect(b.state()).toBe("half_open");
    expect(b.canPass()).toBe(true);
    expect(b.canPass()).toBe(false);
    expect(b.canPass()).toBe(false);
  });

  it("closes when the probe succeeds, with a fresh failure count", () => {
    const clock = fakeClock();
    const b = breaker(clock);
    for (let i = 0; i < 3; i++) b.onFailure();
    clock.advance(30);
    expect(b.canPass()).toBe(true);
    b.onSuccess();
    expect(b.state()).toBe("closed");
    expect(b.canPass()).toBe(true);
    b.onFailure();
    b.onFailure();
    expect(b.state()).toBe("closed");
  });

  it("re-opens for a full period when the probe fails", () => {
    const clock = fakeClock();
    const b = breaker(clock);
    for (let i = 0; i < 3; i++) b.onFailure();
    clock.advance(30);
    expect(b.canPass()).toBe(true);
    b.onFailure();
    expect(b.state()).toBe("open");
    clock.advance(29);
    expect(b.canPass()).toBe(false);
    clock.advance(1);
    expect(b.state()).toBe("half_open");
    expect(b.canPass()).toBe(true);
  });

  it("lets another probe through when the first never reported an outcome", () => {
    const clock = fakeClock();
    const b = breaker(clock);
    for (let i = 0; i < 3; i++) b.onFailure();
    clock.advance(30);
    expect(b.canPass()).toBe(true);
    clock.advance(10);
    expect(b.canPass()).toBe(false);
    clock.advance(20);
    expect(b.canPass()).toBe(true);
  });

  it("ignores successes while closed", () => {
    const clock = fakeClock();
    const b = breaker(clock);
    b.onFailure();
    b.onFailure();
    b.onSuccess();
    b.onFailure();
    expect(b.state()).toBe("open");
  });
});
