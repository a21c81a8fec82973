import WebSocket from "ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../testing/app";
import { consoleClient, failure, type ConsoleClient } from "../../testing/console-client";
import { DATABASE_KINDS } from "../../testing/databases";
import { restClient } from "../auth/test-helpers";
import { eventually } from "../events/test-helpers";
import type { CollectionInput } from "../data/schema";
import type { Actor } from "../data/types";
import { connectRealtime, quiet, type Frame, type RealtimeClient } from "./test-client";

const PASSWORD = "correct horse battery";
const ADMIN: Actor = { type: "admin", id: "tester" };
const VIEW_RULE = 'owner == auth.id || "moderator" in auth.roles';
const LIMITS = {
  heartbeatMs: 1000,
  authTimeoutMs: 1500,
  maxSubscriptions: 5,
  maxFrameBytes: 2048,
  maxBufferedBytes: 64 * 1024,
  fanoutChunk: 2,
};

describe.each(DATABASE_KINDS)("realtime on %s", (kind) => {
  let t: TestApp;
  let owner: ConsoleClient;
  let shop: string;
  let blog: string;
  const tokens = {} as Record<"ann" | "bob" | "mia" | "blogUser", string>;
  const ids = {} as Record<"ann" | "bob" | "mia", string>;
  let keyRead: string;
  let keyNone: string;
  const clients: RealtimeClient[] = [];
  let offset = 0;
  const clock = () => Date.now() + offset;

  async function client(headers?: Record<string, string>): Promise<RealtimeClient> {
    const c = await connectRealtime(t.baseUrl, { headers });
    clients.push(c);
    return c;
  }

  /** A client authenticated in a project and subscribed to the given channels. */
  async function subscriber(
    project: string,
    token: string | undefined,
    channels: Array<string | { channel: string; filter: string }>,
  ): Promise<RealtimeClient> {
    const c = await client();
    expect(await c.auth(project, token)).toMatchObject({ type: "ok", op: "auth" });
    for (const ch of channels) {
      const frame = typeof ch === "string" ? { type: "subscribe", channel: ch } : { type: "subscribe", ...ch };
      expect(await c.request(frame)).toMatchObject({ type: "ok", op: "subscribe" });
    }
    return c;
  }

  async function signUp(project: string, email: string, ip: string) {
    const res = await restClient(t, ip).post(`/api/v1/projects/${project}/auth/sign-up`, { email, password: PASSWORD });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { accessToken: string; user: { id: string } };
  }

  const post = (data: Record<string, unknown>) => t.app.services.data.records.create(shop, "posts", data, ADMIN);

  beforeAll(async () => {
    t = await startTestApp(kind, { config: { trustProxy: true }, realtime: LIMITS, clock });
    owner = consoleClient(t.baseUrl);
    await owner.trpc.accounts.setup.mutate({ email: "owner@example.com", name: "Owner", password: PASSWORD });
    shop = (await owner.trpc.projects.create.mutate({ name: "Shop", slug: "shop" })).id;
    blog = (await owner.trpc.projects.create.mutate({ name: "Blog", slug: "blog" })).id;
    const posts = {
      name: "posts",
      fields: [
        { name: "title", type: "text" },
        { name: "owner", type: "text" },
        { name: "status", type: "select", values: ["draft", "published"] },
        { name: "content", type: "text" },
      ],
    } satisfies CollectionInput;
    await t.app.services.data.schema.apply(
      shop,
      {
        baseVersion: 0,
        schema: {
          collections: [
            { ...posts, rules: { list: VIEW_RULE, view: VIEW_RULE } },
            { name: "secrets", fields: [{ name: "value", type: "text" }] },
          ],
        },
      },
      "tester",
    );
    await t.app.services.data.schema.apply(
      blog,
      { baseVersion: 0, schema: { collections: [{ ...posts, rules: { list: "", view: "" } }] } },
      "tester",
    );

    for (const [name, ip] of [
      ["ann", "10.9.0.1"],
      ["bob", "10.9.0.2"],
      ["mia", "10.9.0.3"],
    ] as const) {
      const s = await signUp("shop", `${name}@example.com`, ip);
      tokens[name] = s.accessToken;
      ids[name] = s.user.id;
    }
    await owner.trpc.auth.roles.create.mutate({ project: "shop", name: "moderator" });
    await owner.trpc.auth.users.setRoles.mutate({ project: "shop", userId: ids.mia, roles: ["moderator"] });
    const miaAgain = await restClient(t, "10.9.0.3").post("/api/v1/projects/shop/auth/sign-in", {
      email: "mia@example.com",
      password: PASSWORD,
    });
    tokens.mia = miaAgain.body.accessToken;
    tokens.blogUser = (await signUp("blog", "reader@example.com", "10.9.0.4")).accessToken;
    keyRead = (
      await owner.trpc.auth.apiKeys.create.mutate({
        project: "shop",
        name: "reader",
        permissions: ["data:read", "events:read", "events:publish"],
      })
    ).secret;
    keyNone = (await owner.trpc.auth.apiKeys.create.mutate({ project: "shop", name: "nothing", permissions: ["users:read"] })).secret;

    await owner.trpc.realtime.channels.save.mutate({
      project: "shop",
      name: "lobby",
      subscribeRule: 'auth.type == "user"',
      publishRule: 'auth.type == "user"',
      presence: true,
    });
    await owner.trpc.realtime.channels.save.mutate({
      project: "shop",
      name: "news",
      subscribeRule: "",
      publishRule: null,
      presence: false,
    });
  });

  afterEach(async () => {
    // Each test starts with no connection of the previous one (presence included).
    await Promise.all(clients.splice(0).map((c) => (c.ws.readyState === WebSocket.OPEN ? c.close() : c.ws.terminate())));
    await quiet(100);
  });

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await t?.close();
  });

  it("answers every malformed or refused frame with an error frame and a stable code, and keeps the connection (and everyone else's)", async () => {
    const bystander = await subscriber("shop", tokens.ann, ["collections/posts"]);
    const c = await client();
    const cases: Array<[string, string | Frame, string]> = [
      ["not JSON", "{nope", "realtime_invalid_frame"],
      ["an array", "[]", "realtime_invalid_frame"],
      ["an unknown type", { type: "teleport" }, "realtime_invalid_frame"],
      ["a subscribe before auth", { type: "subscribe", channel: "collections/posts" }, "realtime_not_authenticated"],
      ["an unknown project", { type: "auth", project: "no-such-project", token: tokens.ann }, "project_not_found"],
      ["a forged token", { type: "auth", project: "shop", token: "eyJhbGciOiJFZERTQSJ9.e30.c2ln" }, "access_token_invalid"],
      [
        "an unknown API key",
        { type: "auth", project: "shop", token: "ar_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
        "api_key_invalid",
      ],
    ];
    for (const [label, frame, code] of cases) {
      const at = c.frames.length;
      c.sendRaw(typeof frame === "string" ? frame : JSON.stringify(frame));
      const reply = await c.next((f) => f.type === "error", { after: at });
      expect(reply.code, label).toBe(code);
      expect(reply.message, label).toEqual(expect.any(String));
    }
    c.sendRaw(Buffer.from([1, 2, 3]));
    expect((await c.next((f) => f.type === "error" && f.code === "realtime_invalid_frame")).details.reason).toBe("not JSON");

    expect(await c.auth("shop", tokens.bob)).toMatchObject({
      type: "ok",
      op: "auth",
      project: shop,
      auth: { type: "user", id: ids.bob },
      connectionId: expect.any(String),
    });
    const authed: Array<[string, Frame, string]> = [
      ["a channel of no known kind", { type: "subscribe", channel: "tables/posts" }, "realtime_invalid_channel"],
      ["a malformed collection name", { type: "subscribe", channel: "collections/Bad Name" }, "realtime_invalid_channel"],
      ["an unknown collection", { type: "subscribe", channel: "collections/nope" }, "collection_not_found"],
      ["an unknown broadcast channel", { type: "subscribe", channel: "channels/nope" }, "realtime_channel_not_found"],
      ["a filter that does not parse", { type: "subscribe", channel: "collections/posts", filter: "title ==" }, "invalid_expression"],
      ["a filter on an unknown field", { type: "subscribe", channel: "collections/posts", filter: "colour == 1" }, "unknown_field"],
      [
        "a filter on a record subscription",
        { type: "subscribe", channel: "collections/posts/abc", filter: "title != null" },
        "realtime_invalid_frame",
      ],
      ["a locked collection", { type: "subscribe", channel: "collections/secrets" }, "realtime_forbidden"],
      ["an unsubscribe of nothing", { type: "unsubscribe", channel: "collections/posts" }, "realtime_not_subscribed"],
      ["a negative resume position", { type: "resume", lastEventId: -1 }, "realtime_invalid_frame"],
      ["a publish to a collection", { type: "publish", channel: "collections/posts", data: 1 }, "realtime_invalid_channel"],
      ["a publish the channel's rule refuses", { type: "publish", channel: "channels/news", data: 1 }, "realtime_forbidden"],
      ["a presence query on a channel without presence", { type: "presence", channel: "channels/news" }, "realtime_presence_disabled"],
      ["a switch to another user", { type: "auth", project: "shop", token: tokens.ann }, "realtime_already_authenticated"],
      ["a frame over the size limit", { type: "publish", channel: "channels/lobby", data: "x".repeat(3000) }, "realtime_frame_too_large"],
    ];
    for (const [label, frame, code] of authed) expect((await c.request(frame)).code, label).toBe(code);

    // Subscriptions per connection are limited; re-subscribing to the same channel replaces, not adds.
    for (const ch of ["collections/posts", "collections/posts/a", "collections/posts/b", "channels/news", "channels/lobby"])
      expect((await c.request({ type: "subscribe", channel: ch })).type).toBe("ok");
    expect(await c.request({ type: "subscribe", channel: "collections/posts", filter: 'status == "draft"' })).toMatchObject({ type: "ok" });
    expect(await c.request({ type: "subscribe", channel: "collections/posts/c" })).toMatchObject({
      type: "error",
      code: "realtime_too_many_subscriptions",
      details: { limit: 5 },
    });
    expect(await c.request({ type: "ping" })).toMatchObject({ type: "ok", op: "pong" });

    // A flood of frames: those beyond the pending limit are refused at once, the rest answered in order.
    const flood = Array.from({ length: 150 }, (_, i) => JSON.stringify({ type: "auth", project: "shop", token: keyRead, ref: `f${i}` }));
    const floodAt = c.frames.length;
    for (const frame of flood) c.sendRaw(frame);
    // Every flood frame is answered once: wait until all 150 answers are in (refusals can overtake queued answers).
    const floodAnswers = () => c.frames.slice(floodAt).filter((f) => typeof f.ref === "string" && f.ref.startsWith("f"));
    await eventually(async () => floodAnswers().length >= 150 || undefined);
    expect(await c.request({ type: "ping" })).toMatchObject({ type: "ok" });
    const answers = floodAnswers();
    expect(answers).toHaveLength(150);
    expect(new Set(answers.map((f) => f.ref)).size).toBe(150);
    expect(answers.filter((f) => f.code === "realtime_too_many_pending").length).toBeGreaterThan(0);
    expect(answers.filter((f) => f.code === "realtime_already_authenticated").length).toBeGreaterThanOrEqual(64);
    expect(await c.request({ type: "ping" })).toMatchObject({ type: "ok" });

    // Messages in the caller's language.
    const zh = await client({ "accept-language": "zh-CN" });
    expect((await zh.request({ type: "subscribe", channel: "collections/posts" })).message).toBe("请先认证：发送包含项目和令牌的 auth 帧");

    // A message beyond the hard limit closes that socket (1009) and nobody else's.
    const big = await client();
    big.sendRaw(JSON.stringify({ type: "ping", pad: "x".repeat(LIMITS.maxFrameBytes * 5) }));
    expect((await big.closed).code).toBe(1009);

    const p = await post({ title: "after the storm", owner: ids.ann, status: "draft" });
    expect(await bystander.next((f) => f.type === "event" && f.record.id === p.id)).toMatchObject({
      action: "created",
      channels: ["collections/posts"],
    });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("closes a connection that never authenticates (4401) and pings live ones", async () => {
    const idle = await client();
    let pings = 0;
    idle.ws.on("ping", () => pings++);
    const closed = await idle.closed;
    expect(closed).toEqual({ code: 4401, reason: "realtime_auth_timeout" });
    expect(idle.frames.at(-1)).toMatchObject({ type: "error", code: "realtime_auth_timeout" });
    expect(pings).toBeGreaterThanOrEqual(1);

    // A client that stops answering pings is cut after a missed heartbeat.
    const deaf = new WebSocket(`${t.baseUrl.replace("http", "ws")}/realtime`, { autoPong: false });
    const deafClosed = new Promise<number>((resolve) => deaf.on("close", (code) => resolve(code)));
    await new Promise((r) => deaf.once("open", r));
    deaf.send(JSON.stringify({ type: "auth", project: "shop", token: tokens.bob }));
    expect(await deafClosed).toBe(1006);
  });

  it("delivers a record event only to subscribers whose view rule allows that record (deleted: its last image)", async () => {
    const ann = await subscriber("shop", tokens.ann, ["collections/posts"]);
    const annPublished = await subscriber("shop", tokens.ann, [{ channel: "collections/posts", filter: 'status == "published"' }]);
    const bob = await subscriber("shop", tokens.bob, ["collections/posts"]);
    const mia = await subscriber("shop", tokens.mia, ["collections/posts"]);
    const anon = await subscriber("shop", undefined, ["collections/posts"]);
    const reader = await subscriber("shop", keyRead, ["collections/posts"]);
    const keyless = await subscriber("shop", keyNone, ["collections/posts"]);

    const secret = await post({ title: "ann's draft", owner: ids.ann, status: "draft" });
    // bob subscribes to ann's record itself: still nothing of it.
    const bobRecord = await subscriber("shop", tokens.bob, [`collections/posts/${secret.id}`]);
    await t.app.services.data.records.update(shop, "posts", secret.id, { status: "published" }, ADMIN);
    await t.app.services.data.records.delete(shop, "posts", secret.id, ADMIN);
    // A sentinel only bob may see: once it arrived, every earlier event has been handled for bob.
    const sentinel = await post({ title: "bob's own", owner: ids.bob, status: "draft" });

    const actions = (c: RealtimeClient, id: string) =>
      c
        .events()
        .filter((f) => f.record?.id === id)
        .map((f) => f.action);
    await mia.next((f) => f.record?.id === sentinel.id);
    await bob.next((f) => f.record?.id === sentinel.id);
    await reader.next((f) => f.record?.id === sentinel.id);
    await ann.next((f) => f.action === "deleted" && f.record.id === secret.id);
    await annPublished.next((f) => f.action === "deleted" && f.record.id === secret.id);
    await quiet(200);

    expect(actions(ann, secret.id)).toEqual(["created", "updated", "deleted"]);
    expect(ann.events().find((f) => f.action === "deleted")).toMatchObject({
      type: "event",
      collection: "posts",
      channels: ["collections/posts"],
      record: { id: secret.id, owner: ids.ann, status: "published" },
    });
    expect(actions(ann, sentinel.id)).toEqual([]);
    // The filter applies on top of the rule: only the published images.
    expect(actions(annPublished, secret.id)).toEqual(["updated", "deleted"]);
    expect(actions(mia, secret.id)).toEqual(["created", "updated", "deleted"]);
    expect(actions(reader, secret.id)).toEqual(["created", "updated", "deleted"]);
    expect(actions(bob, secret.id)).toEqual([]);
    expect(bob.events().map((f) => f.record.id)).toEqual([sentinel.id]);
    expect(bobRecord.events()).toEqual([]);
    expect(anon.events()).toEqual([]);
    expect(keyless.events()).toEqual([]);
    // Event ids are the log's sequence, increasing.
    const seqs = ann.events().map((f) => f.id);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    // A record subscription gets that record only; one event per connection even when two subscriptions match.
    const miaBoth = await subscriber("shop", tokens.mia, [`collections/posts/${sentinel.id}`]);
    expect(await miaBoth.request({ type: "subscribe", channel: "collections/posts" })).toMatchObject({ type: "ok" });
    const other = await post({ title: "other", owner: ids.bob });
    await t.app.services.data.records.update(shop, "posts", sentinel.id, { title: "bob's own, edited" }, ADMIN);
    const edited = await miaBoth.next((f) => f.action === "updated" && f.record.id === sentinel.id);
    expect(edited.channels.sort()).toEqual(["collections/posts", `collections/posts/${sentinel.id}`]);
    expect(miaBoth.events().map((f) => [f.record.id, f.channels.length])).toEqual([
      [other.id, 1],
      [sentinel.id, 2],
    ]);
    // Unsubscribing stops delivery.
    expect(await miaBoth.request({ type: "unsubscribe", channel: "collections/posts" })).toMatchObject({ type: "ok" });
    await post({ title: "unseen", owner: ids.bob });
    await t.app.services.data.records.update(shop, "posts", sentinel.id, { title: "again" }, ADMIN);
    await miaBoth.next((f) => f.record?.title === "again");
    expect(miaBoth.events()).toHaveLength(3);

    // What /metrics says about it.
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/apprun_realtime_connections\{transport="ws"\} ([1-9]\d*)/);
    expect(Number(/apprun_realtime_events_delivered_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(12);
  });

  it("decides once per actor and subscriptions yet exactly per connection: interleaved users, filters, and a subscription changed between events", async () => {
    // Interleaved so that connections sharing a decision are not neighbours.
    const anns: RealtimeClient[] = [];
    const bobs: RealtimeClient[] = [];
    for (let i = 0; i < 3; i++) {
      anns.push(await subscriber("shop", tokens.ann, ["collections/posts"]));
      bobs.push(await subscriber("shop", tokens.bob, ["collections/posts"]));
    }
    const annFiltered = await subscriber("shop", tokens.ann, [{ channel: "collections/posts", filter: 'status == "published"' }]);
    const reader = await subscriber("shop", keyRead, ["collections/posts"]);

    const first = await post({ title: "ann's first", owner: ids.ann, status: "draft" });
    await reader.next((f) => f.record?.id === first.id);
    for (const c of anns) expect((await c.next((f) => f.record?.id === first.id)).channels).toEqual(["collections/posts"]);
    const annRecord = await subscriber("shop", tokens.ann, [`collections/posts/${first.id}`]);

    // One of ann's connections now filters: its decision is no longer the others'.
    expect(await anns[0]!.request({ type: "subscribe", channel: "collections/posts", filter: 'status == "published"' })).toMatchObject({
      type: "ok",
    });
    const second = await post({ title: "ann's second", owner: ids.ann, status: "draft" });
    const third = await post({ title: "ann's third", owner: ids.ann, status: "published" });
    await reader.next((f) => f.record?.id === third.id);
    for (const c of [...anns, annFiltered]) await c.next((f) => f.record?.id === third.id);
    await quiet(200);

    const ids_ = (c: RealtimeClient) => c.events().map((f) => f.record.id);
    expect(ids_(anns[0]!)).toEqual([first.id, third.id]);
    expect(ids_(anns[1]!)).toEqual([first.id, second.id, third.id]);
    expect(ids_(anns[2]!)).toEqual([first.id, second.id, third.id]);
    expect(ids_(annFiltered)).toEqual([third.id]);
    expect(ids_(reader)).toEqual([first.id, second.id, third.id]);
    for (const c of bobs) expect(c.events()).toEqual([]);
    // Subscribed to the first record alone: nothing of the later ones.
    expect(annRecord.events()).toEqual([]);
    // The fan-outs went through the chunked path (fanoutChunk 2): every connection of the project was visited.
    expect(t.app.services.realtime.hub.stats.lastFanout).toMatchObject({
      connections: 9,
      ms: expect.any(Number),
      startedAt: expect.any(Number),
    });
  });

  it("resumes after the last event id: exactly the 50 missed events, in order, then live ones once", async () => {
    const first = await subscriber("shop", tokens.mia, ["collections/posts"]);
    const marker = await post({ title: "marker", owner: ids.mia });
    const lastSeen = (await first.next((f) => f.record?.id === marker.id)).id as number;
    await first.close();

    const written: string[] = [];
    for (let i = 0; i < 50; i++) written.push((await post({ title: `missed ${i}`, owner: ids.ann })).id);
    // Noise bob's rule hides from nobody but that a moderator still sees: interleave another collection's changes.
    // Resuming: auth with the last id holds the live flow until the subscriptions are back and resume replays.
    const again = await client();
    expect(await again.request({ type: "auth", project: "shop", token: tokens.mia, lastEventId: lastSeen })).toMatchObject({
      type: "ok",
      lastEventId: lastSeen,
    });
    expect(await again.request({ type: "subscribe", channel: "collections/posts" })).toMatchObject({ type: "ok" });
    const live = post({ title: "live during resume", owner: ids.ann });
    await quiet(50);
    const done = await again.request({ type: "resume" });
    const liveId = (await live).id;
    expect(done).toMatchObject({ type: "ok", op: "resume" });
    await again.next((f) => f.record?.id === liveId);
    await quiet(200);
    const got = again.events();
    expect(got.slice(0, 50).map((f) => f.record.title)).toEqual(written.map((_, i) => `missed ${i}`));
    expect(got.slice(0, 50).map((f) => f.record.id)).toEqual(written);
    expect(got.map((f) => f.record.id)).toEqual([...written, liveId]);
    const seqs = got.map((f) => f.id as number);
    expect(seqs[0]).toBe(lastSeen + 1);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it("broadcasts on channels with subscribe and publish rules, and tracks presence (join, leave, members)", async () => {
    const ann = await subscriber("shop", tokens.ann, []);
    const joined = await ann.request({ type: "subscribe", channel: "channels/lobby" });
    expect(joined.members).toEqual([expect.objectContaining({ auth: { type: "user", id: ids.ann }, connectionId: expect.any(String) })]);
    const bob = await subscriber("shop", tokens.bob, []);
    const bobJoined = await bob.request({ type: "subscribe", channel: "channels/lobby" });
    expect(bobJoined.members.map((m: Frame) => m.auth.id)).toEqual([ids.ann, ids.bob]);
    expect(await ann.next((f) => f.type === "presence")).toMatchObject({
      type: "presence",
      channel: "channels/lobby",
      action: "join",
      member: { auth: { type: "user", id: ids.bob } },
    });
    expect((await ann.request({ type: "presence", channel: "channels/lobby" })).members.map((m: Frame) => m.auth.id)).toEqual([
      ids.ann,
      ids.bob,
    ]);

    // The inspector (console, events:read) sees the connections, subscriptions and presence of this node.
    const seen = await owner.trpc.realtime.inspect.query({ project: "shop" });
    expect(seen.subscriptions).toEqual(expect.arrayContaining([{ channel: "channels/lobby", connections: 2 }]));
    expect(seen.presence).toEqual([
      { channel: "channels/lobby", members: expect.arrayContaining([expect.objectContaining({ auth: { type: "user", id: ids.bob } })]) },
    ]);
    expect(
      seen.connections
        .filter((c) => c.subscriptions.some((s) => s.channel === "channels/lobby"))
        .map((c) => c.auth.id)
        .sort(),
    ).toEqual([ids.ann, ids.bob].sort());
    expect(seen.log).toMatchObject({ lastSeq: expect.any(Number) });

    // The subscribe rule (users only) refuses anonymous callers and keys without events:read; keys with it pass.
    const anon = await subscriber("shop", undefined, []);
    expect(await anon.request({ type: "subscribe", channel: "channels/lobby" })).toMatchObject({
      code: "realtime_forbidden",
      details: { operation: "subscribe" },
    });
    expect(await anon.request({ type: "subscribe", channel: "channels/news" })).toMatchObject({ type: "ok" });
    const keyless = await subscriber("shop", keyNone, []);
    expect(await keyless.request({ type: "subscribe", channel: "channels/lobby" })).toMatchObject({ code: "realtime_forbidden" });
    const reader = await subscriber("shop", keyRead, ["channels/lobby"]);

    // Publishing: users pass the lobby's rule; the news channel (publish rule null) takes only keys with events:publish.
    const sent = await ann.request({ type: "publish", channel: "channels/lobby", data: { text: "hello" } });
    expect(sent).toMatchObject({ type: "ok", op: "publish", id: expect.any(Number) });
    for (const c of [bob, reader])
      expect(await c.next((f) => f.type === "message")).toMatchObject({
        type: "message",
        id: sent.id,
        channel: "channels/lobby",
        data: { text: "hello" },
        from: { type: "user", id: ids.ann },
      });
    expect(await keyless.request({ type: "publish", channel: "channels/lobby", data: 1 })).toMatchObject({
      code: "realtime_forbidden",
      details: { operation: "publish" },
    });
    expect(await ann.request({ type: "publish", channel: "channels/news", data: 1 })).toMatchObject({ code: "realtime_forbidden" });
    const news = await reader.request({ type: "publish", channel: "channels/news", data: { headline: "up" } });
    expect(news).toMatchObject({ type: "ok" });
    expect(await anon.next((f) => f.type === "message")).toMatchObject({
      channel: "channels/news",
      data: { headline: "up" },
      from: { type: "apiKey" },
    });

    // Leaving: an unsubscribe or a closed connection.
    await bob.close();
    expect(await ann.next((f) => f.type === "presence" && f.action === "leave")).toMatchObject({ member: { auth: { id: ids.bob } } });
    const members = await ann.request({ type: "presence", channel: "channels/lobby" });
    expect(members.members.map((m: Frame) => m.auth.type)).toEqual(["user", "apiKey"]);
    expect(await reader.request({ type: "unsubscribe", channel: "channels/lobby" })).toMatchObject({ type: "ok" });
    expect(await ann.next((f) => f.type === "presence" && f.action === "leave" && f.member.auth.type === "apiKey")).toBeTruthy();
    expect((await ann.request({ type: "presence", channel: "channels/lobby" })).members.map((m: Frame) => m.auth.id)).toEqual([ids.ann]);
  });

  it("manages channels from the console: rules checked before saving, events:manage required, listed and deleted", async () => {
    expect(
      await failure(
        owner.trpc.realtime.channels.save.mutate({
          project: "shop",
          name: "bad",
          subscribeRule: "auth.id ==",
          publishRule: null,
          presence: false,
        }),
      ),
    ).toMatchObject({ code: "realtime_invalid_rule", status: 400, details: { rule: "subscribe" } });
    expect(
      await failure(
        owner.trpc.realtime.channels.save.mutate({
          project: "shop",
          name: "bad",
          subscribeRule: "",
          publishRule: "colour == 1",
          presence: false,
        }),
      ),
    ).toMatchObject({ code: "realtime_invalid_rule", details: { rule: "publish" } });
    expect(
      await failure(
        owner.trpc.realtime.channels.save.mutate({
          project: "shop",
          name: "Bad Name",
          subscribeRule: "",
          publishRule: null,
          presence: false,
        }),
      ),
    ).toMatchObject({ code: "invalid_input" });
    const list = await owner.trpc.realtime.channels.list.query({ project: "shop" });
    expect(list.map((c) => c.name)).toEqual(["lobby", "news"]);
    await owner.trpc.realtime.channels.save.mutate({
      project: "shop",
      name: "tmp",
      subscribeRule: '"vip" in auth.roles',
      publishRule: null,
      presence: false,
    });
    expect((await owner.trpc.realtime.channels.list.query({ project: "shop" })).find((c) => c.name === "tmp")).toMatchObject({
      subscribeRule: '"vip" in auth.roles',
      presence: false,
    });
    await owner.trpc.realtime.channels.delete.mutate({ project: "shop", name: "tmp" });
    expect(await failure(owner.trpc.realtime.channels.delete.mutate({ project: "shop", name: "tmp" }))).toMatchObject({
      code: "realtime_channel_not_found",
      status: 404,
    });

    // A viewer reads but cannot manage.
    await owner.trpc.instance.createAccount.mutate({ email: "viewer@example.com", name: "Viewer", password: PASSWORD });
    const viewerAccount = await t.app.services.accounts.findByEmail("viewer@example.com");
    await t.app.services.projects.join(shop, viewerAccount!.id, "viewer");
    const viewer = consoleClient(t.baseUrl);
    await viewer.trpc.accounts.signIn.mutate({ email: "viewer@example.com", password: PASSWORD });
    expect((await viewer.trpc.realtime.channels.list.query({ project: "shop" })).length).toBe(2);
    expect(
      await failure(
        viewer.trpc.realtime.channels.save.mutate({ project: "shop", name: "x", subscribeRule: "", publishRule: null, presence: false }),
      ),
    ).toMatchObject({ code: "forbidden", details: { permission: "events:manage" } });
    expect(await failure(viewer.trpc.realtime.inspect.query({ project: "blog-nope" }))).toMatchObject({ code: "project_not_found" });
  });

  it("isolates projects: a token or key of one project cannot authenticate to another, and events stay in their project", async () => {
    const c = await client();
    expect(await c.auth("blog", tokens.ann)).toMatchObject({ type: "error", code: "realtime_wrong_project" });
    expect(await c.auth(blog, keyRead)).toMatchObject({ type: "error", code: "realtime_wrong_project" });
    expect(await c.request({ type: "subscribe", channel: "collections/posts" })).toMatchObject({ code: "realtime_not_authenticated" });

    const blogReader = await subscriber("blog", tokens.blogUser, ["collections/posts"]);
    const shopReader = await subscriber("shop", keyRead, ["collections/posts"]);
    const inShop = await post({ title: "shop only", owner: ids.ann });
    const inBlog = await t.app.services.data.records.create(blog, "posts", { title: "blog only" }, ADMIN);
    await blogReader.next((f) => f.record?.id === inBlog.id);
    await shopReader.next((f) => f.record?.id === inShop.id);
    await quiet(150);
    expect(blogReader.events().map((f) => f.record.title)).toEqual(["blog only"]);
    expect(shopReader.events().map((f) => f.record.title)).toEqual(["shop only"]);
  });

  it("serves the same protocol over SSE, with frames posted to the connection id", async () => {
    const controller = new AbortController();
    const res = await fetch(`${t.baseUrl}/realtime/sse`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const frames: Frame[] = [];
    const reader = res.body!.getReader();
    let buffer = "";
    const pump = (async () => {
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = block.split("\n").find((l) => l.startsWith("data: "));
          const id = block.split("\n").find((l) => l.startsWith("id: "));
          if (data) frames.push({ ...JSON.parse(data.slice(6)), ...(id ? { sseId: id.slice(4) } : {}) });
        }
      }
    })();
    const waitFor = async (match: (f: Frame) => boolean) => {
      for (let i = 0; i < 250; i++) {
        const hit = frames.find(match);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no matching SSE frame; got ${JSON.stringify(frames)}`);
    };
    try {
      const welcome = await waitFor((f) => f.type === "welcome");
      const send = (body: unknown) => restClient(t, "10.9.5.1").post(`/realtime/sse/${welcome.connectionId}`, body);
      const answer = await send([
        { type: "auth", project: "shop", token: tokens.mia, ref: 1 },
        { type: "subscribe", channel: "collections/posts", ref: 2 },
        { type: "subscribe", channel: "collections/nope", ref: 3 },
      ]);
      expect(answer.status).toBe(200);
      expect(answer.body.replies).toMatchObject([
        { type: "ok", ref: 1, op: "auth" },
        { type: "ok", ref: 2 },
        { type: "error", ref: 3, code: "collection_not_found" },
      ]);
      expect((await send({ type: "bogus" })).body.replies).toMatchObject([{ type: "error", code: "realtime_invalid_frame" }]);
      const p = await post({ title: "over sse", owner: ids.ann });
      const event = await waitFor((f) => f.type === "event");
      expect(event).toMatchObject({ action: "created", record: { id: p.id, title: "over sse" }, channels: ["collections/posts"] });
      expect(event.sseId).toBe(String(event.id));
      expect(frames.find((f) => f.type === "welcome")!.sseId).toBeUndefined();

      const unknown = await restClient(t, "10.9.5.1").post("/realtime/sse/not-a-connection", { type: "ping" });
      expect(unknown).toMatchObject({ status: 404, body: { error: { code: "realtime_connection_not_found" } } });
      expect((await send([])).body.error.code).toBe("realtime_invalid_frame");
      const inspected = await owner.trpc.realtime.inspect.query({ project: "shop" });
      expect(inspected.connections.find((c) => c.id === welcome.connectionId)).toMatchObject({
        transport: "sse",
        auth: { type: "user", id: ids.mia },
      });
    } finally {
      controller.abort();
      await pump;
    }
  });

  it("disconnects a client that does not read (4008 realtime_slow_consumer) without slowing the others", async () => {
    const slow = await subscriber("shop", keyRead, ["collections/posts"]);
    const fast = await subscriber("shop", keyRead, ["collections/posts"]);
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    // Large records fill the socket buffers fast, well before the paused client misses a heartbeat.
    const body = "y".repeat(600_000);
    const made: string[] = [];
    for (let i = 0; i < 40; i++) {
      made.push((await post({ title: `bulk ${i}`, owner: ids.bob, content: body })).id);
      const seen = await owner.trpc.realtime.inspect.query({ project: "shop" });
      if (!seen.connections.some((c) => c.id === slow.frames[0]?.connectionId) && i > 0) break;
    }
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    // The close frame (4008) queues behind what the client never read; a client that cannot catch up within the grace period is cut (1006).
    const closed = await slow.closed;
    expect([4008, 1006]).toContain(closed.code);
    if (closed.code === 4008) expect(closed.reason).toBe("realtime_slow_consumer");
    expect(t.logs.some((l) => l.msg === "realtime client too slow; disconnected" && l.connection === slow.frames[0]!.connectionId)).toBe(
      true,
    );
    expect(
      Number(/apprun_realtime_slow_consumers_total (\d+)/.exec(await (await fetch(`${t.baseUrl}/metrics`)).text())?.[1]),
    ).toBeGreaterThanOrEqual(1);
    await fast.next((f) => f.record?.id === made.at(-1), { timeoutMs: 10_000 });
    expect(fast.events().map((f) => f.record.id)).toEqual(made);
  });

  it("closes the connections of a deleted project and drops its realtime log", async () => {
    const temp = await owner.trpc.projects.create.mutate({ name: "Temp", slug: "temp" });
    await t.app.services.data.schema.apply(
      temp.id,
      { baseVersion: 0, schema: { collections: [{ name: "things", fields: [{ name: "name", type: "text" }], rules: { view: "" } }] } },
      "tester",
    );
    const c = await subscriber("temp", undefined, ["collections/things"]);
    await t.app.services.data.records.create(temp.id, "things", { name: "one" }, ADMIN);
    await c.next((f) => f.type === "event");
    expect(await t.app.bus.streamInfo(`rt_${temp.id}`)).toMatchObject({ messages: 1 });
    await owner.trpc.projects.delete.mutate({ project: "temp", confirm: "temp" });
    expect(await c.closed).toEqual({ code: 1001, reason: "project_deleted" });
    expect(await t.app.bus.streamInfo(`rt_${temp.id}`)).toBeNull();
    expect(await owner.trpc.realtime.channels.list.query({ project: temp.id }).catch((e) => e.data.code)).toBe("project_not_found");
  });

  it("closes a connection when its access token expires, unless the client sent a fresh one (last: moves the clock)", async () => {
    const refreshed = await subscriber("shop", tokens.ann, ["collections/posts"]);
    const stale = await subscriber("shop", tokens.ann, ["collections/posts"]);
    offset += 16 * 60_000;
    try {
      const fresh = await restClient(t, "10.9.7.1").post("/api/v1/projects/shop/auth/sign-in", {
        email: "ann@example.com",
        password: PASSWORD,
      });
      expect(await refreshed.auth("shop", fresh.body.accessToken)).toMatchObject({ type: "ok", auth: { id: ids.ann } });
      expect(await stale.closed).toEqual({ code: 4403, reason: "realtime_token_expired" });
      expect(stale.frames.at(-1)).toMatchObject({ type: "error", code: "realtime_token_expired" });
      await quiet(LIMITS.heartbeatMs + 200);
      expect(refreshed.ws.readyState).toBe(WebSocket.OPEN);
      // A stale token is refused outright.
      const late = await client();
      expect(await late.auth("shop", tokens.ann)).toMatchObject({ type: "error", code: "access_token_expired" });
    } finally {
      offset = 0;
    }
  });
});
