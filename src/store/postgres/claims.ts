/**
 * How long a notice or timer claimed by one instance stays with it (ADR 0011): well past an SMTP attempt's
 * timeouts and a sweep's batch, so a live instance finishes first; after it, an instance that died mid-work
 * has its rows taken by another.
 */
const leaseMs = 5 * 60_000;

/** When a claim made at `now` runs out, in the ISO form the rows hold. */
export const leaseFrom = (now: string) => new Date(Date.parse(now) + leaseMs).toISOString();
