import { describe, expect, it } from "vitest";
import { newModelId, newRecordId } from "./ids";

describe("newRecordId", () => {
  it("makes 15 lowercase base-36 characters", () => {
    expect(newRecordId()).toMatch(/^[0-9a-z]{15}$/);
  });

  it("sorts by time, and strictly increases within one millisecond", () => {
    const t0 = Date.now() + 10_000_000;
    const ids = [newRecordId(t0), newRecordId(t0), newRecordId(t0), newRecordId(t0 + 1000), newRecordId(t0 + 500)];
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!, `${i}`).toBe(true);
    expect(ids[0]!.slice(0, 9)).toBe(ids[2]!.slice(0, 9));
    expect(ids[3]!.slice(0, 9) > ids[0]!.slice(0, 9)).toBe(true);
    // A clock going backwards keeps the last time: never a repeat, never out of order.
    expect(ids[4]!.slice(0, 9)).toBe(ids[3]!.slice(0, 9));
  });

  it("does not collide in bulk", () => {
    const now = Date.now();
    const ids = new Set(Array.from({ length: 20_000 }, () => newRecordId(now)));
    expect(ids.size).toBe(20_000);
  });
});

describe("newModelId", () => {
  it("makes prefixed ids the model schema accepts", () => {
    expect(newModelId("c")).toMatch(/^c[a-z0-9]{11}$/);
    expect(newModelId("f")).toMatch(/^f[a-z0-9]{11}$/);
  });
});
