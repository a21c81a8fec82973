import { describe, expect, it } from "vitest";
import { AppError } from "../errors/app-error";
import { createErrorCatalog } from "../errors/catalog";
import {
  ackDeadlineMs,
  assertName,
  assertSubject,
  encodePayload,
  isValidPattern,
  isValidSubject,
  parseGroupConfig,
  parsePosition,
  parseStreamConfig,
  subjectMatches,
} from "./bus";
import { createCloudEvent, newEventId, parseCloudEvent } from "./cloudevents";
import { busErrorMessages } from "./errors";
import { parseAckSubject } from "./nats";
import { parseNatsUrl } from "./nats-url";

function appError(run: () => unknown): AppError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error("expected an AppError");
}

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
    expect(isValidSubject("a".repeat(257))).toBe(false);
    expect(isValidPattern("a.*.>")).toBe(true);
    expect(isValidPattern("a.>.b")).toBe(false);
    expect(isValidPattern("")).toBe(false);
  });
});

describe("bus input checks", () => {
  it("throws stable codes for bad subjects and names", () => {
    expect(appError(() => assertSubject("bad subject"))).toMatchObject({
      code: "bus_invalid_subject",
      status: 400,
      details: { subject: "bad subject" },
    });
    expect(appError(() => assertName("a.b", "stream"))).toMatchObject({
      code: "bus_invalid_name",
      details: { name: "a.b", what: "stream" },
    });
    expect(assertName("orders_v2-dlq", "group")).toBe("orders_v2-dlq");
  });

  it("encodes payloads as JSON within the size limit", () => {
    expect(encodePayload({ a: [1, "x"] }, 100)).toBe('{"a":[1,"x"]}');
    expect(appError(() => encodePayload("é".repeat(60), 100))).toMatchObject({
      code: "bus_payload_too_large",
      status: 413,
      details: { size: 122, limit: 100 },
    });
    expect(appError(() => encodePayload(1n, 100))).toMatchObject({ code: "bus_payload_not_json" });
    expect(appError(() => encodePayload(undefined, 100))).toMatchObject({ code: "bus_payload_not_json" });
  });

  it("validates stream and group settings", () => {
    expect(parseStreamConfig({ name: "s", maxAgeMs: 1000 })).toEqual({ name: "s", maxAgeMs: 1000 });
    expect(appError(() => parseStreamConfig({ name: "s", maxBytes: -1 }))).toMatchObject({ code: "bus_invalid_config" });
    expect(appError(() => parseStreamConfig({ name: "s", extra: 1 } as never))).toMatchObject({ code: "bus_invalid_config" });
    expect(parseGroupConfig("s")).toEqual({ ackWaitMs: 30_000, start: "all" });
    expect(appError(() => parseGroupConfig("s", { backoffMs: [100, 200, 300], maxDeliveries: 2 })).details.summary).toMatch(/backoffMs/);
    expect(appError(() => parseGroupConfig("s", { deadLetterStream: "dlq" })).details.summary).toMatch(/maxDeliveries/);
    expect(appError(() => parseGroupConfig("s", { maxDeliveries: 2, deadLetterStream: "s" })).details.summary).toMatch(/differ/);
    expect(appError(() => parseGroupConfig("s", { filter: "a.>.b" }))).toMatchObject({ code: "bus_invalid_pattern" });
  });

  it("gives each delivery its ack deadline, the backoff's last entry repeating", () => {
    expect(ackDeadlineMs({ ackWaitMs: 500 }, 3)).toBe(500);
    const withBackoff = { ackWaitMs: 500, backoffMs: [100, 200] };
    expect([1, 2, 3, 4].map((n) => ackDeadlineMs(withBackoff, n))).toEqual([100, 200, 200, 200]);
  });

  it("reads positions", () => {
    expect(parsePosition({ afterSeq: 0 })).toEqual({ afterSeq: 0 });
    expect(parsePosition({ fromTime: "2026-01-02T03:04:05.000Z" })).toEqual({ fromMs: Date.UTC(2026, 0, 2, 3, 4, 5) });
    expect(appError(() => parsePosition({ afterSeq: -1 }))).toMatchObject({ code: "bus_invalid_config" });
    expect(appError(() => parsePosition({ fromTime: "yesterday" }))).toMatchObject({ code: "bus_invalid_config" });
  });
});

describe("CloudEvents envelope", () => {
  it("fills id, time, specversion and content type", () => {
    const event = createCloudEvent({
      source: "/projects/p1/records",
      type: "apprun.record.created",
      projectid: "p1",
      subject: "posts/42",
      data: { title: "hi" },
    });
    expect(event).toMatchObject({
      specversion: "1.0",
      source: "/projects/p1/records",
      type: "apprun.record.created",
      projectid: "p1",
      subject: "posts/42",
      datacontenttype: "application/json",
      data: { title: "hi" },
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.now() - Date.parse(event.time!)).toBeLessThan(5000);
    expect(createCloudEvent({ source: "s", type: "t", projectid: "p" })).not.toHaveProperty("datacontenttype");
  });

  it("makes ids that are UUIDv7s in time order, unique within the same millisecond", () => {
    const ids = [
      newEventId(1_700_000_000_000),
      newEventId(1_700_000_000_001),
      ...Array.from({ length: 1000 }, () => newEventId(1_700_000_000_002)),
    ];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids[0]!.slice(0, 13)).toBe("018bcfe5-6800");
    expect(ids[0]! < ids[1]! && ids[1]! < ids[2]!).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("validates an event once: what it returned is frozen and passes again as it is", () => {
    const event = createCloudEvent({ source: "s", type: "t", projectid: "p", data: { n: 1 } });
    expect(Object.isFrozen(event)).toBe(true);
    expect(parseCloudEvent(event)).toBe(event);
    // A copy is looked at again, and a bad one refused.
    expect(() => parseCloudEvent({ ...event, projectid: "not valid!" })).toThrow(expect.objectContaining({ code: "bus_invalid_event" }));
  });

  it("accepts scalar extensions with spec-conformant names", () => {
    const event = createCloudEvent({ source: "s", type: "t", projectid: "p", extensions: { traceparent: "00-abc", attempt: 2 } });
    expect(parseCloudEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it.each([
    [{ specversion: "0.3", id: "1", source: "s", type: "t", projectid: "p" }, "specversion"],
    [{ specversion: "1.0", source: "s", type: "t", projectid: "p" }, "id"],
    [{ specversion: "1.0", id: "1", source: "s", type: "t" }, "projectid"],
    [{ specversion: "1.0", id: "1", source: "s", type: "t", projectid: "p", time: "noon" }, "time"],
    [{ specversion: "1.0", id: "1", source: "s", type: "t", projectid: "p", Bad_Name: "x" }, "Bad_Name"],
    [{ specversion: "1.0", id: "1", source: "s", type: "t", projectid: "p", nested: { a: 1 } }, "nested"],
    [{ specversion: "1.0", id: "1", source: "s", type: "t", projectid: "p", data: 1, data_base64: "AA==" }, "data_base64"],
  ])("rejects %o naming %s", (value, path) => {
    const err = appError(() => parseCloudEvent(value));
    expect(err.code).toBe("bus_invalid_event");
    expect(err.status).toBe(400);
    expect((err.details.issues as Array<{ path: string }>).map((i) => i.path)).toContain(path);
  });
});

describe("NATS bus URL", () => {
  it("reads servers, credentials and parameters", () => {
    expect(parseNatsUrl("nats://127.0.0.1")).toMatchObject({
      servers: ["127.0.0.1:4222"],
      prefix: "apprun",
      replicas: 1,
      label: "nats://127.0.0.1:4222",
    });
    expect(parseNatsUrl("nats://app:s%40cret@n1:4223,n2?prefix=prod&replicas=3")).toEqual({
      servers: ["n1:4223", "n2:4222"],
      user: "app",
      pass: "s@cret",
      prefix: "prod",
      replicas: 3,
      label: "nats://app:***@n1:4223,n2:4222?prefix=prod&replicas=3",
    });
    expect(parseNatsUrl("nats://tok3n@host:4222")).toMatchObject({ token: "tok3n", label: "nats://***@host:4222" });
  });

  it.each([
    ["http://x", /nats:\/\//],
    ["nats://", /server address/],
    ["nats://h:99999", /port/],
    ["nats://h?prefix=a.b", /prefix/],
    ["nats://h?replicas=9", /replicas/],
    ["nats://h?stream=x", /unknown parameter/],
  ])("rejects %s", (url, message) => {
    expect(parseNatsUrl(url)).toMatch(message);
  });
});

describe("JetStream ack subjects", () => {
  it("reads both formats", () => {
    expect(parseAckSubject("$JS.ACK.p_S.g.3.17.40.1795542158902247380.0")).toEqual({
      stream: "p_S",
      consumer: "g",
      delivered: 3,
      streamSeq: 17,
      timestampNs: 1795542158902247400,
    });
    expect(parseAckSubject("$JS.ACK.hub.ACCHASH.p_S.g.1.2.3.1795542158902247380.0.tok")).toMatchObject({
      stream: "p_S",
      consumer: "g",
      delivered: 1,
      streamSeq: 2,
    });
    expect(parseAckSubject("$JS.ACK.p_S.g.x")).toBeNull();
    expect(parseAckSubject("elsewhere.p_S.g.1.2.3.4.5")).toBeNull();
  });
});

describe("bus error catalog", () => {
  it("has English and Chinese messages with the same placeholders", () => {
    const catalog = createErrorCatalog(busErrorMessages);
    for (const [code, messages] of Object.entries(busErrorMessages)) {
      expect(messages["zh-CN"], code).toMatch(/[\u4e00-\u9fff]/);
      const names = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(messages["zh-CN"]), code).toEqual(names(messages.en));
    }
    expect(catalog.format("bus_payload_too_large", "en", { size: 20, limit: 10 })).toBe(
      "The message is 20 bytes; the bus accepts at most 10",
    );
  });
});
