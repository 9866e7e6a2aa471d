/**
 * How long a notice or timer claimed by one instance stays with it (ADR 0011): CLAIM_LEASE, by default
 * 5 minutes, well past an SMTP attempt's timeouts and a sweep's batch, so a live instance finishes first;
 * after it, an instance that died mid-work has its rows taken by another.
 */
export const defaultClaimLeaseMs = 5 * 60_000;

/** When a claim made at `now` runs out, in the ISO form the rows hold. */
export type Lease = (now: string) => string;

export const leaseOf =
  (ms: number): Lease =>
  (now) =>
    new Date(Date.parse(now) + ms).toISOString();
