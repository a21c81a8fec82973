import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { type AppError } from "../../platform/errors/app-error";
import { createErrorCatalog, platformErrorMessages } from "../../platform/errors/catalog";
import { eventsErrorMessages } from "./errors";
import { subjectOfType } from "./service";
import { checkWebhookUrl, signPayload, typeMatches } from "./webhooks";

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    return (err as AppError).code;
  }
  return null;
};

describe("webhook signatures", () => {
  it("are t=<unix>,v1=<hex HMAC-SHA256 of '<t>.<body>'>", () => {
    const body = '{"id":"1"}';
    const expected = crypto.createHmac("sha256", "whsec_x").update(`1700000000.${body}`).digest("hex");
    expect(signPayload("whsec_x", body, 1_700_000_000)).toBe(`t=1700000000,v1=${expected}`);
    expect(signPayload("whsec_y", body, 1_700_000_000)).not.toBe(signPayload("whsec_x", body, 1_700_000_000));
    expect(signPayload("whsec_x", body, 1_700_000_001)).not.toBe(signPayload("whsec_x", body, 1_700_000_000));
  });
});

describe("type filters", () => {
  it("match exactly or as subject patterns; empty matches all", () => {
    expect(typeMatches([], "anything/at all")).toBe(true);
    expect(typeMatches(["order.created"], "order.created")).toBe(true);
    expect(typeMatches(["order.*"], "order.created")).toBe(true);
    expect(typeMatches(["order.*"], "order.created.v2")).toBe(false);
    expect(typeMatches(["order.>"], "order.created.v2")).toBe(true);
    expect(typeMatches(["com.example/x"], "com.example/x")).toBe(true);
    expect(typeMatches(["order.*"], "user.created")).toBe(false);
  });

  it("give events their type as subject when it is one", () => {
    expect(subjectOfType("order.created")).toBe("order.created");
    expect(subjectOfType("com.example/order:created")).toBe("_");
  });
});

describe("webhook URLs", () => {
  const self = ["https://apprun.example.com", "http://127.0.0.1:8080"];
  it("must be http(s)", () => {
    expect(checkWebhookUrl("https://hooks.example.com/in?x=1", self)).toBe("https://hooks.example.com/in?x=1");
    expect(checkWebhookUrl("http://10.0.0.5:9000/in", self)).toBe("http://10.0.0.5:9000/in");
    for (const bad of ["ftp://example.com", "javascript:alert(1)", "file:///etc/passwd", "not a url", "", "http://"])
      expect(codeOf(() => checkWebhookUrl(bad, self))).toBe("webhook_url_invalid");
  });
  it("must not point at apprun itself", () => {
    for (const bad of [
      "https://apprun.example.com/api/v1/ping",
      "https://APPRUN.example.com:443/x",
      "http://127.0.0.1:8080/",
      "http://localhost:8080/x",
      "http://[::1]:8080/x",
      "http://0.0.0.0:8080",
    ]) {
      expect(codeOf(() => checkWebhookUrl(bad, self))).toBe("webhook_url_self");
    }
    expect(checkWebhookUrl("http://localhost:9090/x", self)).toBe("http://localhost:9090/x");
    expect(checkWebhookUrl("http://apprun.example.com/x", self)).toBe("http://apprun.example.com/x");
  });
});

describe("the events error catalog", () => {
  it("has English and Chinese for every code", () => {
    const catalog = createErrorCatalog(platformErrorMessages, eventsErrorMessages);
    for (const [code, messages] of Object.entries(eventsErrorMessages)) {
      expect(messages.en.length, code).toBeGreaterThan(0);
      expect(messages["zh-CN"].length, code).toBeGreaterThan(0);
      expect(catalog.format(code, "zh-CN", { topic: "t" })).not.toMatch(/^\s*$/);
    }
  });
});
