import path from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

const root = path.dirname(fileURLToPath(import.meta.url));

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  devIndicators: false,
  // `npm test` type-checks the whole tree with tsc; the first `npm start` should not wait for it twice.
  typescript: { ignoreBuildErrors: true },
  // Nothing is fetched at run time: images are served as they are, fonts are the system's.
  images: { unoptimized: true },
  turbopack: { root },
  // The server's bundle lives in dist/; the console never imports server code except types.
  outputFileTracingRoot: root,
};

export default config;
