import type { MessageKey } from "../i18n/catalog";

/** Codes a failed single sign-on brings back to `/sign-in?error=…`, and how the console words them. */
const SSO_ERRORS: Record<string, MessageKey> = {
  sso_failed: "ssoErrors.sso_failed",
  sso_domain_not_allowed: "ssoErrors.sso_domain_not_allowed",
  sso_no_account: "ssoErrors.sso_no_account",
  sso_provider_not_found: "ssoErrors.sso_provider_not_found",
  account_disabled: "ssoErrors.account_disabled",
  token_invalid: "ssoErrors.token_invalid",
};

export function ssoErrorKey(code: string): MessageKey {
  return SSO_ERRORS[code] ?? "ssoErrors.unknown";
}
