/**
 * What the auth module publishes on the bus: `project.<project>.auth.<event>` after a change to a
 * project's app users commits. The event center keeps them in the project's `auth.users` topic.
 */
export type AuthEvent = "user.created" | "signed_in";

export const authSubject = (project: string, event: AuthEvent) => `project.${project}.auth.${event}`;

/** Every auth event of every project (a subscription pattern). */
export const AUTH_SUBJECTS = "project.*.auth.>";
