/** A small seeded generator (mulberry32): the same seed gives the same plans and kill moments. */
export type Random = () => number;

export function seeded(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent stream for one part of the run (a client, the killer), derived from the run's seed. */
export const stream = (seed: number, n: number): Random => seeded((seed ^ Math.imul(n + 1, 0x9e3779b9)) >>> 0);

export const between = (random: Random, min: number, max: number) => min + random() * (max - min);
export const chance = (random: Random, p: number) => random() < p;
export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}
