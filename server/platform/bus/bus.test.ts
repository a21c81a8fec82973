import { describe, expect, it, vi } from "vitest";
import { isValidPattern, isValidSubject, subjectMatches } from "./bus";
import { createEmbeddedBus } from "./embedded";

describe("subjectMatches", () => {
  it.each([
    ["a.b.c", "a.b.c", true],
    ["a.b.c", "a.b", false],
    ["a.*.c", "a.x.c", true],
    ["a.*.c", "a.x.y.c", false],
    ["a.>", "a.b", true],
    ["a.>", "a.b.c.d", true],
    ["a.>", "a", false],
    [">", "anything.at.all", true],
    ["*", "one", true],
    ["*", "one.two", false],
    ["a.*", "b.c", false],
  ])("%s vs %s → %s", (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });

  it("validates subjects and patterns", () => {
    expect(isValidSubject("project.p1.records.posts.created")).toBe(true);
    expect(isValidSubject("a..b")).toBe(false);
    expect(isValidSubject("a.*")).toBe(false);
    expect(isValidPattern("a.*.>")).toBe(true);
    expect(isValidPattern("a.>.b")).toBe(false);
    expect(isValidPattern("")).toBe(false);
  });
});

describe("embedded bus", () => {
  it("delivers to matching subscribers only, after publish returns", async () => {
    const bus = createEmbeddedBus();
    const seen: string[] = [];
    bus.subscribe("p.*.created", (m) => void seen.push(`a:${m.subject}`));
    bus.subscribe("p.>", (m) => void seen.push(`b:${m.subject}`));
    const published = Promise.all([bus.publish("p.posts.created", { id: 1 }), bus.publish("q.posts.created", { id: 2 })]);
    expect(seen).toEqual([]);
    await published;
    await new Promise((r) => setTimeout(r, 0));
    expect(seen.sort()).toEqual(["a:p.posts.created", "b:p.posts.created"]);
  });

  it("isolates a failing subscriber and stops delivering after unsubscribe", async () => {
    const error = vi.fn();
    const bus = createEmbeddedBus({ logger: { error } as never });
    const good = vi.fn();
    bus.subscribe("x", () => {
      throw new Error("subscriber bug");
    });
    const off = bus.subscribe("x", good);
    await bus.publish("x", 1);
    await new Promise((r) => setTimeout(r, 0));
    expect(good).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledTimes(1);
    off();
    await bus.publish("x", 2);
    await new Promise((r) => setTimeout(r, 0));
    expect(good).toHaveBeenCalledTimes(1);
  });

  it("refuses bad subjects and reports closed", async () => {
    const bus = createEmbeddedBus();
    await expect(bus.publish("bad subject", 1)).rejects.toThrow(/invalid subject/);
    expect(() => bus.subscribe("a.>.b", () => {})).toThrow(/invalid subscription/);
    await bus.ping();
    await bus.close();
    await expect(bus.ping()).rejects.toThrow(/closed/);
    await expect(bus.publish("a", 1)).rejects.toThrow(/closed/);
  });
});
