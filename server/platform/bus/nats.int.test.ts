import { afterEach, describe, expect, it } from "vitest";
import { privateNats, type PrivateNats } from "../../testing/nats-server";
import { type AppError } from "../errors/app-error";
import type { Bus, BusMessage } from "./bus";
import { createCloudEvent } from "./cloudevents";
import { createNatsBus } from "./nats";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const event = (n: number) => createCloudEvent({ source: "/test", type: "test", projectid: "p1", data: { n } });

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(50);
  }
}

const pingCode = (bus: Bus) =>
  bus.ping().then(
    () => "ok",
    (err: AppError) => err.code,
  );

/** What the NATS driver does when its server goes away and comes back: on a server of the test's own. */
describe("NATS bus across server outages", () => {
  let server: PrivateNats | undefined;
  let bus: Bus | undefined;
  afterEach(async () => {
    await bus?.close();
    await server?.dispose();
    bus = server = undefined;
  });

  it("keeps trying to connect at start until the server is up; close() ends the attempts", async () => {
    server = await privateNats();
    bus = createNatsBus({ url: server.url, requestTimeoutMs: 1000 });
    let started = false;
    const starting = bus.start().then(() => (started = true));
    await sleep(600);
    expect(started).toBe(false);
    expect(await pingCode(bus)).toBe("bus_unavailable");
    expect(await bus.publish("a", 1).catch((err: AppError) => err.code)).toBe("bus_unavailable");
    await server.start();
    await starting;
    expect(await pingCode(bus)).toBe("ok");

    const never = createNatsBus({ url: "nats://127.0.0.1:1", requestTimeoutMs: 500 });
    const attempts = never.start();
    await sleep(300);
    await never.close();
    await attempts;
    expect(await pingCode(never)).toBe("bus_closed");
  });

  it("reconnects after a restart: subscriptions, streams and groups carry on", async () => {
    server = await privateNats();
    await server.start();
    bus = createNatsBus({ url: server.url, requestTimeoutMs: 1000 });
    await bus.start();
    await bus.ensureStream({ name: "orders" });
    await bus.ensureGroup("orders", "g");
    const seen: BusMessage[] = [];
    bus.subscribe("live.>", (m) => void seen.push(m));
    await bus.ping();
    expect(await bus.append("orders", "live.created", event(1))).toMatchObject({ seq: 1 });

    await server.stop();
    await eventually(async () => (await pingCode(bus!)) === "bus_unavailable");
    expect(await bus.append("orders", "live.created", event(2)).catch((err: AppError) => err.code)).toBe("bus_unavailable");

    await server.start();
    await eventually(async () => (await pingCode(bus!)) === "ok");
    expect(await bus.append("orders", "live.created", event(3))).toMatchObject({ seq: 2 });
    await bus.publish("live.ping", { after: "restart" });
    await eventually(() => seen.some((m) => m.subject === "live.ping"));
    expect(seen.filter((m) => m.stored).map((m) => m.stored!.seq)).toContain(2);
    const pulled = await bus.pull("orders", "g", { batch: 10, waitMs: 1000 });
    expect(pulled.map((d) => (d.event.data as { n: number }).n)).toEqual([1, 3]);
  });

  it("authenticates with the credentials in the URL, and keeps retrying with wrong ones", async () => {
    server = await privateNats({ user: "apprun", pass: "s3cr@t" });
    await server.start();
    bus = createNatsBus({ url: `nats://apprun:${encodeURIComponent("s3cr@t")}@127.0.0.1:${server.port}`, requestTimeoutMs: 1000 });
    await bus.start();
    expect(await pingCode(bus)).toBe("ok");

    const wrong = createNatsBus({ url: `nats://apprun:nope@127.0.0.1:${server.port}`, requestTimeoutMs: 1000 });
    const attempts = wrong.start();
    await sleep(500);
    expect(await pingCode(wrong)).toBe("bus_unavailable");
    await wrong.close();
    await attempts;
  });
});
