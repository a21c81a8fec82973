// The baseline: Fastify with no hooks, logging or plugins, answering the same ping route.
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.get("/api/v1/ping", async () => ({ pong: true, auth: null }));
await app.listen({ port: Number(process.argv[2] ?? 0), host: "127.0.0.1" });
process.stdout.write(`listening ${app.server.address().port}\n`);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => app.close().then(() => process.exit(0)));
