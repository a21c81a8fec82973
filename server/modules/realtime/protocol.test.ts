import { describe, expect, it } from "vitest";
import { AppError } from "../../platform/errors/app-error";
import { compileChannelRule } from "./channels";
import { realtimeErrorMessages } from "./errors";
import { channelInput, clientFrameSchema, parseChannel } from "./schema";

describe("realtime channels and frames", () => {
  it.each([
    ["collections/posts", { kind: "collection", collection: "posts", id: null }],
    ["collections/posts/abc_DEF-1", { kind: "collection", collection: "posts", id: "abc_DEF-1" }],
    ["channels/lobby-1", { kind: "channel", name: "lobby-1" }],
  ])("parses %s", (text, expected) => expect(parseChannel(text)).toEqual(expected));

  it.each([
    "",
    "collections",
    "collections/",
    "collections/Posts",
    "collections/posts/",
    "collections/posts/a/b",
    "collections/posts/a b",
    "channels/",
    "channels/Lobby",
    "channels/a/b",
    "tables/x",
    "channels/-x",
    `channels/${"a".repeat(65)}`,
  ])("refuses %j", (text) => expect(parseChannel(text)).toBeNull());

  it("accepts the documented frames and refuses malformed ones", () => {
    expect(clientFrameSchema.safeParse({ type: "auth", project: "shop", token: "t", ref: 1 }).success).toBe(true);
    expect(clientFrameSchema.safeParse({ type: "resume" }).success).toBe(true);
    expect(clientFrameSchema.safeParse({ type: "publish", channel: "channels/x", data: { deep: [1, 2] } }).success).toBe(true);
    for (const bad of [
      {},
      { type: "auth" },
      { type: "subscribe" },
      { type: "resume", lastEventId: 1.5 },
      { type: "ping", ref: { x: 1 } },
      { type: "auth", project: "p", token: "" },
      { type: "subscribe", channel: "collections/x", filter: "x".repeat(4097) },
    ]) {
      expect(clientFrameSchema.safeParse(bad).success, JSON.stringify(bad).slice(0, 80)).toBe(false);
    }
  });

  it("lowercases channel names in the console's input", () => {
    expect(channelInput.parse({ project: "p", name: "Lobby", subscribeRule: "", publishRule: null, presence: true }).name).toBe("lobby");
    expect(channelInput.safeParse({ project: "p", name: "two words", subscribeRule: "", publishRule: null, presence: true }).success).toBe(
      false,
    );
  });
});

describe("channel rules", () => {
  const user = { auth: { id: "usr_1", type: "user" as const, roles: ["vip"] }, channel: "lobby" };
  const anonymous = { auth: { id: null, type: "anonymous" as const, roles: [] }, channel: "lobby" };

  it("null refuses everyone, an empty rule allows everyone", () => {
    expect(compileChannelRule("subscribe", null)(user)).toBe(false);
    expect(compileChannelRule("subscribe", "")(anonymous)).toBe(true);
  });

  it("evaluates CEL over auth and channel; only `true` allows", () => {
    expect(compileChannelRule("subscribe", '"vip" in auth.roles && channel.startsWith("lob")')(user)).toBe(true);
    expect(compileChannelRule("subscribe", '"vip" in auth.roles')(anonymous)).toBe(false);
    expect(compileChannelRule("subscribe", "auth.id != null")(anonymous)).toBe(false);
    expect(compileChannelRule("publish", '"yes"')(user)).toBe(false);
    // A rule failing at run time (here: a map key that is not there) refuses instead of throwing.
    expect(compileChannelRule("publish", "auth.missing == 1")(user)).toBe(false);
  });

  it.each([["auth.id =="], ["colour == 1"], ["auth.id == "], ["(".repeat(100)]])("refuses %j with realtime_invalid_rule", (text) => {
    try {
      compileChannelRule("subscribe", text);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe("realtime_invalid_rule");
      expect((err as AppError).status).toBe(400);
    }
  });

  it("has English and Chinese messages for every code", () => {
    for (const [code, m] of Object.entries(realtimeErrorMessages)) {
      expect(m.en, code).toBeTruthy();
      expect(m["zh-CN"], code).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});
