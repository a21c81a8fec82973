/**
 * The slice of oidc-provider (a devDependency without bundled types) that tests use to run a
 * real OpenID Provider.
 */
declare module "oidc-provider" {
  import type { Server } from "node:http";
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    listen(port: number): Server;
  }
}
