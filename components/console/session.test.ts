import { describe, expect, it } from "vitest";
import type { AccountView } from "../../server/modules/accounts/service";
import { gateTarget } from "./session";

const account = { id: "acc_1", email: "a@example.com" } as AccountView;
const fresh = { needsSetup: true, account: null, mfaEnrollmentRequired: false };
const out = { needsSetup: false, account: null, mfaEnrollmentRequired: false };
const inside = { needsSetup: false, account, mfaEnrollmentRequired: false };
const enrol = { needsSetup: false, account, mfaEnrollmentRequired: true };

describe("the console's auth gate", () => {
  it("sends a fresh instance to setup from anywhere but open pages", () => {
    expect(gateTarget(fresh, "console", "/projects", null)).toBe("/setup");
    expect(gateTarget(fresh, "guest", "/sign-in", null)).toBe("/setup");
    expect(gateTarget(fresh, "setup", "/setup", null)).toBeNull();
    expect(gateTarget(fresh, "open", "/verify-email", null)).toBeNull();
  });

  it("sends signed-out visitors to sign-in with where they were going", () => {
    expect(gateTarget(out, "console", "/projects/shop/members?x=1", null)).toBe("/sign-in?next=%2Fprojects%2Fshop%2Fmembers%3Fx%3D1");
    expect(gateTarget(out, "guest", "/sign-in", null)).toBeNull();
    expect(gateTarget(out, "setup", "/setup", null)).toBe("/sign-in");
    expect(gateTarget(out, "enrolment", "/two-factor/enroll", null)).toMatch(/^\/sign-in/);
  });

  it("sends signed-in users away from sign-in, to a safe next page", () => {
    expect(gateTarget(inside, "guest", "/sign-in", "/projects")).toBe("/projects");
    expect(gateTarget(inside, "guest", "/sign-in", "https://evil.example")).toBe("/");
    expect(gateTarget(inside, "console", "/projects", null)).toBeNull();
    expect(gateTarget(inside, "enrolment", "/two-factor/enroll", null)).toBe("/");
  });

  it("allows only the enrolment screen while 2FA enrolment is required", () => {
    expect(gateTarget(enrol, "console", "/projects", null)).toBe("/two-factor/enroll");
    expect(gateTarget(enrol, "guest", "/sign-in", null)).toBe("/two-factor/enroll");
    expect(gateTarget(enrol, "enrolment", "/two-factor/enroll", null)).toBeNull();
  });
});
