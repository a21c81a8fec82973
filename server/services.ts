import type { SystemService } from "./modules/system/service";

/** Every module's service, as the HTTP routes and tRPC procedures reach them. */
export interface Services {
  system: SystemService;
}
