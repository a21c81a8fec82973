/**
 * Realtime's subjects on the bus. Each project's durable log (`rt_<project>`) holds its record
 * changes and channel messages under one sequence; presence notices go out ephemerally. Only
 * realtime publishes and consumes these; they are declared here all the same so no subject is
 * spelled twice.
 */

/** The stream of a project's realtime log. */
export const streamOf = (projectId: string) => `rt_${projectId}`;

/** A record change in the log: `rt.<project>.rec.<collection>.<action>`. */
export const recordChangeSubject = (project: string, collection: string, action: string) => `rt.${project}.rec.${collection}.${action}`;

/** A channel message in the log: `rt.<project>.ch.<channel>`. */
export const channelSubject = (project: string, channel: string) => `rt.${project}.ch.${channel}`;

/** Everything in every project's log (a subscription pattern). */
export const RT_PATTERN = "rt.>";

/** A presence notice (join or leave) of a channel, ephemeral: `rtp.<project>.<channel>`. */
export const presenceSubject = (project: string, channel: string) => `rtp.${project}.${channel}`;

/** Every presence notice (a subscription pattern). */
export const PRESENCE_SUBJECTS = "rtp.>";
