import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ZodType } from "zod";
import type { RouteAccess } from "../../platform/http/access";
import { startTestApp, type TestApp } from "../../testing/app";
import { consoleClient, type ConsoleClient } from "../../testing/console-client";
import { DATABASE_KINDS } from "../../testing/databases";
import { eventually } from "../events/test-helpers";
import { restClient, type HttpAnswer } from "./test-helpers";

const PASSWORD = "correct horse battery";
const CANARY = "/api/v1/projects/:project/walk-canary";

/**
 * Project isolation, proven by walking every registered route: each Fastify route whose path has
 * `:project` and each tRPC procedure whose input has `project` is called as a principal of project
 * A (its console member, an app user's access token, an API key with every permission) against
 * project B. Protected routes must answer 401, 403 or 404 and reveal nothing of B; routes that
 * answer anonymous callers must answer A's principals exactly as they answer nobody. A new route
 * is walked automatically; one whose parameters or input fields the walk cannot fill fails it.
 */
describe.each(DATABASE_KINDS)("project isolation walk on %s", (kind) => {
  let t: TestApp;
  let alice: ConsoleClient;
  let bob: ConsoleClient;
  const b = {} as Record<
    | "id"
    | "accountId"
    | "userId"
    | "sessionId"
    | "roleId"
    | "providerId"
    | "keyId"
    | "projectRoleId"
    | "recordId"
    | "webhookId"
    | "deliveryId",
    string
  >;
  let aJwt: string;
  let aKey: string;
  /** Values of project B that must never appear in an answer to A. */
  const secrets = [
    "secret-b@beta.example",
    "beta-secret-role",
    "beta-client-id",
    "beta-key-name",
    "Beta Secret Name",
    "beta-secret-value",
    "beta_secrets",
    "beta_secret_things",
    "beta_secret_field",
    "beta-secret-topic",
    "beta-secret-event",
    "beta-hook.example",
  ];

  beforeAll(async () => {
    t = await startTestApp(kind, {
      config: { trustProxy: true },
      // A deliberately leaky route, to prove the walk catches one (it is left out of the real walk).
      routes: ({ fastify }) =>
        // It declares that anonymous callers may call it (as the records API does) and then ignores the caller.
        fastify.get(CANARY, { config: { access: { anonymous: true, user: true, apiKey: true } } }, async (req) => ({
          project: (req.params as { project: string }).project,
          users: ["secret-b@beta.example"],
        })),
    });
    const admin = consoleClient(t.baseUrl);
    await admin.trpc.accounts.setup.mutate({ email: "admin@example.com", name: "Admin", password: PASSWORD });
    for (const email of ["alice@example.com", "bob@example.com"])
      await admin.trpc.instance.createAccount.mutate({ email, name: email.split("@")[0]!, password: PASSWORD });
    alice = consoleClient(t.baseUrl);
    await alice.trpc.accounts.signIn.mutate({ email: "alice@example.com", password: PASSWORD });
    bob = consoleClient(t.baseUrl);
    await bob.trpc.accounts.signIn.mutate({ email: "bob@example.com", password: PASSWORD });

    await alice.trpc.projects.create.mutate({ name: "Alpha", slug: "alpha" });
    const beta = await bob.trpc.projects.create.mutate({ name: "Beta Secret Name", slug: "beta" });
    b.id = beta.id;
    b.accountId = (await t.app.services.accounts.findByEmail("bob@example.com"))!.id;

    // Project B has something of everything.
    const rest = restClient(t, "10.3.0.1");
    const bUser = await rest.post("/api/v1/projects/beta/auth/sign-up", { email: "secret-b@beta.example", password: PASSWORD });
    b.userId = bUser.body.user.id;
    b.sessionId = (await rest.get("/api/v1/projects/beta/auth/sessions", bUser.body.accessToken)).body[0].id;
    b.roleId = (await bob.trpc.auth.roles.create.mutate({ project: "beta", name: "beta-secret-role" })).id;
    await bob.trpc.auth.users.setRoles.mutate({ project: "beta", userId: b.userId, roles: ["beta-secret-role"] });
    b.providerId = (
      await bob.trpc.auth.providers.create.mutate({
        project: "beta",
        provider: {
          kind: "github",
          name: "beta-gh",
          displayName: "Beta GH",
          clientId: "beta-client-id",
          clientSecret: "beta-client-secret",
        },
      })
    ).id;
    b.keyId = (await bob.trpc.auth.apiKeys.create.mutate({ project: "beta", name: "beta-key-name", permissions: ["users:read"] })).key.id;
    b.projectRoleId = (await bob.trpc.projects.createRole.mutate({ project: "beta", name: "Beta role", permissions: ["users:read"] })).id;
    // A collection (no rules: admins and keys with the permission only) and a record in it.
    const data = t.app.services.data;
    const secretsCollection = { name: "beta_secrets", fields: [{ name: "value", type: "text" as const }] };
    await data.schema.apply(b.id, { baseVersion: 0, schema: { collections: [secretsCollection] } }, "bob");
    b.recordId = (await data.records.create(b.id, "beta_secrets", { value: "beta-secret-value" }, { type: "admin", id: "bob" })).id;
    // A data model with more versions and a retained field.
    const things = {
      name: "beta_secret_things",
      fields: [
        { name: "beta_secret_field", type: "text" as const },
        { name: "label", type: "text" as const },
      ],
    };
    await bob.trpc.data.schema.applyChange.mutate({
      project: "beta",
      baseVersion: 1,
      schema: { collections: [secretsCollection, things] },
    });
    await bob.trpc.data.schema.applyChange.mutate({
      project: "beta",
      baseVersion: 2,
      schema: { collections: [secretsCollection, { ...things, fields: [things.fields[0]!] }] },
    });
    // Its event center: a topic with an event, a consumer group, a webhook and a delivery of it.
    await bob.trpc.events.topics.create.mutate({ project: "beta", name: "beta-secret-topic" });
    await bob.trpc.events.groups.create.mutate({ project: "beta", topic: "beta-secret-topic", name: "beta-group" });
    b.webhookId = (
      await bob.trpc.events.webhooks.create.mutate({
        project: "beta",
        topic: "beta-secret-topic",
        url: "http://beta-hook.example:9/in",
        retryBaseMs: 3_600_000,
      })
    ).webhook.id;
    await bob.trpc.events.messages.publish.mutate({
      project: "beta",
      topic: "beta-secret-topic",
      events: [{ type: "beta-secret-event", data: { secret: "beta-secret-event" } }],
    });
    b.deliveryId = await eventually(
      async () => (await bob.trpc.events.webhooks.deliveries.query({ project: "beta", webhookId: b.webhookId! }))[0]?.id,
    );

    // Principals of project A.
    aJwt = (
      await restClient(t, "10.3.0.2").post("/api/v1/projects/alpha/auth/sign-up", { email: "a-user@alpha.example", password: PASSWORD })
    ).body.accessToken;
    const everything = (await alice.trpc.projects.get.query({ project: "alpha" })).permissions as never[];
    aKey = (await alice.trpc.auth.apiKeys.create.mutate({ project: "alpha", name: "alpha-all", permissions: everything })).secret;
  });
  afterAll(async () => {
    await t?.close();
  });

  const principals = () => ({
    "A's app-user token": { authorization: `Bearer ${aJwt}` },
    "A's API key": { authorization: `Bearer ${aKey}` },
    "A's console member": { cookie: alice.cookie(), origin: t.baseUrl },
  });

  /** Values for route parameters: B's real ids where one exists, so a leak would show. */
  const paramValues = (): Record<string, string> => ({
    user: b.userId!,
    session: b.sessionId!,
    provider: "beta-gh",
    collection: "beta_secrets",
    id: b.recordId!,
    version: "1",
    topic: "beta-secret-topic",
    group: "beta-group",
    webhook: b.webhookId!,
    delivery: b.deliveryId!,
    seq: "1",
  });

  /** Bodies for writes: a real attempt on B's data where an empty body would stop at validation. */
  const bodyFor = (url: string): unknown =>
    url.endsWith("/collections/batch") ? { operations: [{ action: "delete", collection: "beta_secrets", id: b.recordId }] } : {};

  function fill(url: string, projectRef: string): string {
    return url.replace(/:(\w+)/g, (_m, name: string) => {
      if (name === "project") return projectRef;
      const value = paramValues()[name];
      if (!value) throw new Error(`the isolation walk has no value for :${name} in ${url}; add one`);
      return value;
    });
  }

  async function send(method: string, path: string, headers: Record<string, string>, body: unknown = {}): Promise<HttpAnswer> {
    const withBody = method !== "GET" && method !== "HEAD" && method !== "OPTIONS";
    return restClient(t, "10.3.9.9").call(method, path, { headers, ...(withBody ? { body } : {}) });
  }

  const shape = (res: HttpAnswer) => ({
    status: res.status,
    code: (res.body as { error?: { code?: string } } | null)?.error?.code ?? null,
  });

  async function walkRest(declared: ReadonlyArray<{ method: string; url: string; access: RouteAccess }>): Promise<string[]> {
    const failures: string[] = [];
    // A route without a declaration cannot be registered; the walk checks each one has it all the same.
    for (const r of declared) if (r.access === undefined) failures.push(`${r.method} ${r.url}: declares no access`);
    // Public routes (sign-in, JWKS…) answer everyone alike; every other route is walked as protected.
    const routes = declared.map((r) => ({ ...r, anonymous: r.access === "public" }));
    for (const route of routes) {
      for (const ref of ["beta", b.id!]) {
        const path = fill(route.url, ref);
        const nobody = await send(route.method, path, {}, bodyFor(route.url));
        for (const [who, headers] of Object.entries(principals())) {
          const res = await send(route.method, path, headers, bodyFor(route.url));
          const label = `${route.method} ${route.url} (${ref === b.id ? "by id" : "by slug"}) as ${who}`;
          const text = JSON.stringify(res.body ?? "");
          for (const secret of secrets) if (text.includes(secret) && !route.anonymous) failures.push(`${label}: reveals ${secret}`);
          if (route.anonymous) {
            // Public routes (sign-in, JWKS…): A's credentials change nothing.
            if (JSON.stringify(shape(res)) !== JSON.stringify(shape(nobody)))
              failures.push(`${label}: ${JSON.stringify(shape(res))} differs from anonymous ${JSON.stringify(shape(nobody))}`);
            if (res.status === 200 && route.method === "GET" && JSON.stringify(res.body) !== JSON.stringify(nobody.body))
              failures.push(`${label}: body differs from anonymous`);
          } else if (![401, 403, 404].includes(res.status)) {
            failures.push(`${label}: ${res.status} ${text.slice(0, 200)}`);
          }
        }
        if (!route.anonymous && ![401, 403, 404].includes(nobody.status))
          failures.push(`${route.method} ${route.url} anonymously: ${nobody.status}`);
      }
    }
    return failures;
  }

  it("walks every REST route of a project as A's principals against B", async () => {
    const routes = t.app.routes.filter((r) => r.url.includes(":project") && r.url !== CANARY);
    // The auth module's own routes are all here (and any other module's as they land).
    expect(routes.length).toBeGreaterThanOrEqual(30);
    expect(routes.some((r) => r.url === "/api/v1/admin/projects/:project/users/:user")).toBe(true);
    // The data plane and the model's management API too.
    for (const url of [
      "/api/v1/projects/:project/collections/:collection/records/:id",
      "/api/v1/projects/:project/collections/batch",
      "/api/v1/admin/projects/:project/schema/apply",
      "/api/v1/admin/projects/:project/schema/versions/:version",
    ]) {
      expect(routes.some((r) => r.url === url)).toBe(true);
    }
    expect(routes.some((r) => r.url === "/api/v1/projects/:project/events/topics/:topic/groups/:group/pull")).toBe(true);
    expect(await walkRest(routes)).toEqual([]);
    // B's model and record survived every attempt.
    expect((await t.app.services.data.schema.get(b.id!)).version).toBe(3);
    expect((await t.app.services.data.records.get(b.id!, "beta_secrets", b.recordId!, { type: "admin", id: "bob" })).value).toBe(
      "beta-secret-value",
    );
  });

  it("catches a route that answers another project's principal (the walk is not vacuous)", async () => {
    const failures = await walkRest(t.app.routes.filter((r) => r.url === CANARY));
    expect(failures.length).toBeGreaterThan(0);
    // The access hook turns A's token and key away before any handler (wrong project); a handler that ignores
    // the resolved project still leaks to callers the route lets through, and the walk says so.
    expect(failures.join("\n")).toMatch(/walk-canary .* as A's (app-user token|console member): 200/);
    expect(failures.join("\n")).toMatch(/reveals secret-b@beta\.example/);
  });

  /** Values for tRPC input fields, by name. A required field missing here fails the walk. */
  const fieldValues = (): Record<string, unknown> => ({
    project: "beta",
    userId: b.userId,
    roleId: b.roleId,
    providerId: b.providerId,
    keyId: b.keyId,
    accountId: b.accountId,
    invitationId: "inv_probe",
    grantId: "grt_probe",
    name: "Probe",
    slug: "probe-slug",
    confirm: "beta",
    email: "probe@example.com",
    role: "viewer",
    permissions: ["users:read"],
    origins: ["https://probe.example"],
    disabled: true,
    archived: true,
    roles: [],
    grantee: "alpha",
    resourceKind: "user_pool",
    resourceName: "default",
    access: "read",
    subscribeRule: "",
    publishRule: null,
    presence: false,
    provider: { kind: "github", name: "probe", displayName: "Probe", clientId: "probe", clientSecret: "probe-secret" },
    // data.* and records.*: B's real versions, collection and record, so a leak would show.
    schema: { collections: [] },
    baseVersion: 3,
    toVersion: 2,
    version: 1,
    collection: "beta_secrets",
    id: b.recordId,
    data: { value: "probe" },
    expression: "value != null",
    operation: "list",
    rules: { list: "" },
    topic: "beta-secret-topic",
    group: "beta-group",
    webhookId: b.webhookId,
    deliveryId: b.deliveryId,
    url: "http://probe.example/hook",
    events: [{ type: "probe" }],
    tokens: ["probe"],
    seq: 1,
  });

  function inputFor(path: string, schema: ZodType): Record<string, unknown> {
    const fields = (schema as unknown as { shape?: Record<string, ZodType> }).shape ?? {};
    const input: Record<string, unknown> = {};
    for (const [field, type] of Object.entries(fields)) {
      if (field !== "project" && type.safeParse(undefined).success) continue;
      if (!(field in fieldValues())) throw new Error(`the isolation walk has no value for input field ${field} of ${path}; add one`);
      input[field] = fieldValues()[field];
    }
    const checked = schema.safeParse(input);
    if (!checked.success) throw new Error(`the isolation walk's input for ${path} is invalid: ${checked.error.message}`);
    // The role id of a project role (projects.*) differs from an app role's.
    if (path.startsWith("projects.") && "roleId" in input) input.roleId = b.projectRoleId;
    return input;
  }

  it("walks every tRPC procedure that takes a project as A's principals against B", async () => {
    const procedures = Object.entries(
      t.app.appRouter._def.procedures as unknown as Record<string, { _def: { type: string; inputs: ZodType[] } }>,
    ).filter(([, p]) => {
      const schema = p._def.inputs[0] as unknown as { shape?: Record<string, unknown> } | undefined;
      return schema?.shape !== undefined && "project" in schema.shape;
    });
    expect(procedures.map(([path]) => path)).toEqual(
      expect.arrayContaining([
        "auth.users.list",
        "auth.apiKeys.create",
        "auth.signingKeys.rotate",
        "auth.settings.update",
        "projects.members",
        "data.schema.get",
        "data.schema.applyChange",
        "data.schema.rollback",
        "data.schema.purge",
        "data.expressions.check",
        "records.list",
        "records.create",
        "records.previewAs",
        "records.saveRules",
        "events.messages.publish",
        "events.groups.pull",
        "events.webhooks.redeliver",
      ]),
    );
    const failures: string[] = [];
    for (const [path, procedure] of procedures) {
      const input = inputFor(path, procedure._def.inputs[0]!);
      for (const [who, headers] of [...Object.entries(principals()), ["nobody", {}] as const]) {
        const res =
          procedure._def.type === "query"
            ? await restClient(t, "10.3.9.8").call("GET", `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
                headers: headers as Record<string, string>,
              })
            : await restClient(t, "10.3.9.8").call("POST", `/trpc/${path}`, {
                body: input,
                headers: { origin: t.baseUrl, ...(headers as Record<string, string>) },
              });
        const text = JSON.stringify(res.body);
        const code = (res.body as { error?: { data?: { code?: string } } }).error?.data?.code;
        if (![401, 403, 404].includes(res.status)) failures.push(`${path} as ${who}: ${res.status} ${code ?? text.slice(0, 200)}`);
        for (const secret of secrets) if (text.includes(secret)) failures.push(`${path} as ${who}: reveals ${secret}`);
      }
    }
    expect(failures).toEqual([]);
    // And B's data is all still there.
    expect((await bob.trpc.auth.users.list.query({ project: "beta" })).map((u) => u.email)).toEqual(["secret-b@beta.example"]);
    expect((await bob.trpc.auth.apiKeys.list.query({ project: "beta" })).every((k) => k.revokedAt === null)).toBe(true);
    expect(await bob.trpc.data.schema.get.query({ project: "beta" })).toMatchObject({
      version: 3,
      schema: { collections: expect.arrayContaining([expect.objectContaining({ name: "beta_secret_things" })]) },
    });
    expect(await bob.trpc.data.schema.retained.query({ project: "beta" })).toHaveLength(1);
    expect((await bob.trpc.records.list.query({ project: "beta", collection: "beta_secrets" })).items.map((r) => r.value)).toEqual([
      "beta-secret-value",
    ]);
    expect((await bob.trpc.records.collections.query({ project: "beta" })).version).toBe(3);
    expect((await bob.trpc.events.topics.get.query({ project: "beta", topic: "beta-secret-topic" })).stats.lastSeq).toBe(1);
    expect((await bob.trpc.events.groups.get.query({ project: "beta", topic: "beta-secret-topic", group: "beta-group" })).lag).toEqual({
      pending: 1,
      unacked: 0,
    });
    expect((await bob.trpc.events.webhooks.list.query({ project: "beta" })).map((w) => w.id)).toEqual([b.webhookId]);
  });
});
