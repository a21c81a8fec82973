import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SAFE_REQUEST_ID, createAccessLog } from "./access-log";
import { createBatchedStream } from "./batched-stream";

let dir: string;
let file: string;
let fd: number;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "apprun-log-"));
  file = path.join(dir, "out.log");
  fd = fs.openSync(file, "w");
});
afterEach(() => {
  fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
});

const nextTurn = () => new Promise((r) => setImmediate(r));

describe("batched stream", () => {
  it("writes lines in order, once per event-loop turn", async () => {
    const stream = createBatchedStream(fd);
    for (let i = 0; i < 1000; i++) stream.write(`line ${i}\n`);
    expect(fs.readFileSync(file, "utf8")).toBe("");
    await nextTurn();
    await nextTurn();
    const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(1000);
    expect(lines[0]).toBe("line 0");
    expect(lines[999]).toBe("line 999");
  });

  it("flushSync writes what is buffered at once, and flush(cb) calls back", async () => {
    const stream = createBatchedStream(fd);
    stream.write("a\n");
    stream.flushSync();
    expect(fs.readFileSync(file, "utf8")).toBe("a\n");
    stream.write("b\n");
    await new Promise<void>((resolve, reject) => stream.flush((err) => (err ? reject(err) : resolve())));
    expect(fs.readFileSync(file, "utf8")).toBe("a\nb\n");
  });

  it("drops and counts lines instead of growing past its limit", () => {
    const stream = createBatchedStream(fd, { maxBufferedBytes: 10 });
    expect(stream.write("0123456789")).toBe(true);
    expect(stream.write("x")).toBe(false);
    expect(stream.dropped).toBe(1);
    stream.flushSync();
    expect(fs.readFileSync(file, "utf8")).toBe("0123456789");
  });

  it("keeps pino's lines and its own in order", async () => {
    const stream = createBatchedStream(fd);
    const logger = pino({ level: "info" }, stream);
    const access = createAccessLog(logger);
    logger.info("first");
    access("req-1", "GET", "/a", 200, 1.234);
    logger.warn("third");
    await nextTurn();
    await nextTurn();
    const lines = fs
      .readFileSync(file, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(["first", "request", "third"]);
  });
});

describe("access log", () => {
  it("writes the same shape pino would, as valid JSON", () => {
    const written: string[] = [];
    const logger = pino({ level: "info" }, { write: (s: string) => void written.push(s) });
    createAccessLog(logger)("abc-1", "GET", '/api/v1/"odd"\\route', 404, 0.126);
    logger.info({ requestId: "abc-1", method: "GET", route: '/api/v1/"odd"\\route', status: 404, durationMs: 0.13 }, "request");
    const [ours, pinos] = written.map((l) => JSON.parse(l));
    expect(Object.keys(ours)).toEqual(Object.keys(pinos));
    expect({ ...ours, time: 0 }).toEqual({ ...pinos, time: 0 });
  });

  it("writes nothing when info is disabled", () => {
    const written: string[] = [];
    const logger = pino({ level: "warn" }, { write: (s: string) => void written.push(s) });
    createAccessLog(logger)("abc-1", "GET", "/", 200, 1);
    expect(written).toEqual([]);
  });

  it("only ever receives request ids that need no escaping", () => {
    for (const ok of ["k3v9q2m7xt0a-1c", "trace:abc/def+1=", "a.b_c@d"]) expect(SAFE_REQUEST_ID.test(ok)).toBe(true);
    for (const bad of ['a"b', "a\\b", "a b", "a\nb", "", "x".repeat(129)]) expect(SAFE_REQUEST_ID.test(bad)).toBe(false);
  });
});
