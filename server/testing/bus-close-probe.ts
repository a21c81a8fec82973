/**
 * Run as a child process by the bus contract test: joins a bus, uses every kind of background
 * work it has (subscription, waiting pull, retention timer, listener or connection), closes it,
 * and then must exit on its own: a handle the bus left open would keep this process alive.
 */
import crypto from "node:crypto";
import { createCloudEvent } from "../platform/bus/cloudevents";
import { openBusNode, type BusDriver } from "./bus";

const [driver, target] = process.argv.slice(2) as [BusDriver, string];
const node = await openBusNode(driver, target, { trimIntervalMs: 50 });
const { bus } = node;
const stream = `probe${crypto.randomBytes(4).toString("hex")}`;
await bus.ensureStream({ name: stream, maxMsgs: 10 });
await bus.ensureGroup(stream, "g");
bus.subscribe("probe.>", () => {});
await bus.append(stream, "probe.a", createCloudEvent({ source: "/probe", type: "probe", projectid: "p" }));
const [delivery] = await bus.pull(stream, "g", { waitMs: 1000 });
await bus.ack(delivery!);
const waiting = bus.pull(stream, "g", { waitMs: 60_000 }).catch((err: Error) => err.message);
await new Promise((r) => setTimeout(r, 200));
// The stream stays: the test drops the database or the NATS prefix afterwards.
await node.close();
const left = await waiting;
process.stdout.write(`closed ${JSON.stringify(left)}\n`);
