import type { AccountsService } from "./modules/accounts/service";
import type { SsoService } from "./modules/accounts/sso";
import type { AuditService } from "./modules/audit/service";
import type { AuthService } from "./modules/auth/service";
import type { DataService } from "./modules/data/service";
import type { EventsService } from "./modules/events/service";
import type { InstanceService } from "./modules/instance/service";
import type { ProjectsService } from "./modules/projects/service";
import type { RealtimeService } from "./modules/realtime/service";
import type { SystemService } from "./modules/system/service";
import type { Mailer } from "./platform/mail/mailer";

/** Every module's service, as the HTTP routes and tRPC procedures reach them. */
export interface Services {
  system: SystemService;
  audit: AuditService;
  instance: InstanceService;
  accounts: AccountsService;
  sso: SsoService;
  projects: ProjectsService;
  auth: AuthService;
  data: DataService;
  events: EventsService;
  realtime: RealtimeService;
  mailer: Mailer;
}
