import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createProjectInput, roleNameSchema } from "../../server/modules/projects/schema";
import { translate, type MessageKey } from "../i18n/catalog";
import { fieldMessages, issueMessage, serverFieldMessages, zodFormResolver, type FormIssue } from "./form-errors";

const zh = (key: MessageKey, vars?: Record<string, string | number>) => translate("zh-CN", key, vars);
const en = (key: MessageKey, vars?: Record<string, string | number>) => translate("en", key, vars);
const hints: Record<string, MessageKey> = { slug: "projects.slugRules" };
const localized = (t: typeof en) => (issue: FormIssue, field: string) => issueMessage(issue, t, hints[field]);

/** What a tRPC client error looks like to the console. */
function trpcError(code: string, details: Record<string, unknown> = {}, message = `server says ${code}`) {
  return { message, data: { code, httpStatus: 400, details } };
}

async function resolve<S extends z.ZodType<Record<string, unknown>, Record<string, unknown>>>(
  schema: S,
  values: Record<string, unknown>,
  t = en,
) {
  return zodFormResolver(schema, localized(t))(values, undefined, { fields: {}, shouldUseNativeValidation: false });
}

describe("the form resolver over the server's zod schemas", () => {
  it("passes the parsed output on (trimmed, lowercased) and no errors", async () => {
    const result = await resolve(createProjectInput, { name: "  Shop ", slug: " My-Shop " });
    expect(result).toEqual({ values: { name: "Shop", slug: "my-shop" }, errors: {} });
  });

  it("gives each field its first issue in the user's language, never the schema's English text", async () => {
    const result = await resolve(createProjectInput, { name: "", slug: "9 bad" }, zh);
    expect(result.values).toEqual({});
    expect(result.errors).toEqual({
      name: { type: "validate", message: "必填" },
      // The slug breaks the regex (English message in the schema) and nothing else is reported for it.
      slug: { type: "validate", message: "3–40 个小写字母、数字或单个连字符，以字母开头" },
    });
  });

  it("says what a length limit is, and the generic format message where no hint is given", async () => {
    const form = z.object({ name: roleNameSchema, password: z.string().min(8) });
    const result = await resolve(form, { name: "a!", password: "short" });
    expect(result.errors).toEqual({
      name: { type: "validate", message: "The format is not valid" },
      password: { type: "validate", message: "At least 8 characters" },
    });
    const tooLong = await resolve(form, { name: "x".repeat(41), password: "long enough" });
    expect(tooLong.errors).toEqual({ name: { type: "validate", message: "At most 40 characters" } });
  });

  it("puts a nested issue on the form field that holds it, and a custom issue's hint over its text", async () => {
    const form = z.object({ domains: z.array(z.string().min(3)), rule: z.string() }).superRefine((v, ctx) => {
      if (v.rule === "") ctx.addIssue({ code: "custom", path: ["rule"], message: "rule_required" });
    });
    const message = (issue: FormIssue, field: string) => issueMessage(issue, en, field === "rule" ? "realtime.ruleRequired" : undefined);
    const result = await zodFormResolver(form, message)({ domains: ["example.com", "x"], rule: "" }, undefined, {
      fields: {},
      shouldUseNativeValidation: false,
    });
    expect(result.errors).toEqual({
      domains: { type: "validate", message: "At least 3 characters" },
      rule: { type: "validate", message: en("realtime.ruleRequired") },
    });
  });
});

describe("server errors on a form's fields", () => {
  const fields = { name: "", slug: "" };

  it("puts invalid_input issues by their fields, in the user's language", () => {
    const error = trpcError("invalid_input", {
      issues: [
        { path: "slug", code: "invalid_format", message: "lowercase letters…" },
        { path: "slug", code: "too_small", message: "too small", origin: "string", minimum: 3 },
        { path: "name", code: "too_big", message: "too big", origin: "string", maximum: 100 },
      ],
    });
    expect(serverFieldMessages(error, fields, localized(zh))).toEqual({
      slug: zh("projects.slugRules"),
      name: "最多 100 个字符",
    });
  });

  it("puts a code that names a field there, with the server's message", () => {
    const error = trpcError("slug_taken", {}, "That slug is taken");
    expect(serverFieldMessages(error, fields, localized(en), { codes: { slug_taken: "slug" } })).toEqual({ slug: "That slug is taken" });
    const byDetails = trpcError("realtime_invalid_rule", { rule: "publish" }, "bad rule");
    expect(
      serverFieldMessages(byDetails, { publishRule: "", subscribeRule: "" }, localized(en), {
        fieldFor: (info) => (info.details.rule === "publish" ? "publishRule" : "subscribeRule"),
      }),
    ).toEqual({ publishRule: "bad rule" });
  });

  it("renames issue paths of a differently shaped input, dropping those the form does not show", () => {
    const error = trpcError("invalid_input", {
      issues: [
        { path: "provider.issuer", code: "invalid_format", message: "url", format: "url" },
        { path: "project", code: "too_small", message: "x", origin: "string", minimum: 1 },
      ],
    });
    const issuePath = (p: string) => (p.startsWith("provider.") ? p.slice("provider.".length) : undefined);
    expect(serverFieldMessages(error, { issuer: "" }, localized(en), { issuePath })).toEqual({ issuer: "Enter a valid URL" });
  });

  it("leaves errors that name none of the form's fields to the caller (a toast)", () => {
    expect(serverFieldMessages(trpcError("forbidden"), fields, localized(en))).toBeNull();
    expect(serverFieldMessages(trpcError("invalid_input", { issues: [] }), fields, localized(en))).toBeNull();
    const elsewhere = trpcError("invalid_input", { issues: [{ path: "project", code: "too_small", message: "x" }] });
    expect(serverFieldMessages(elsewhere, fields, localized(en))).toBeNull();
    expect(serverFieldMessages(new Error("offline"), fields, localized(en))).toBeNull();
  });

  it("keeps the first message of a field when several issues name it", () => {
    const issues = [
      { path: ["a"], code: "custom", message: "first" },
      { path: ["a"], code: "custom", message: "second" },
    ];
    expect(fieldMessages(issues, { a: "" }, (i) => i.message)).toEqual({ a: "first" });
  });
});
