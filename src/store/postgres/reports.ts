import { foldReport, nearestRank, openStages, reportSql, type CubeRow } from '../reportFigures.js';
import type { ReportFigures, ReportsStore } from '../store.js';
import type { Pool } from './database.js';
import { all, first, named } from './query.js';

/** The commissioner's figures (src/store/reportFigures.ts), read through the pool in one snapshot-free pass, as SQLite's. */
export function pgReports(pool: Pool): ReportsStore {
  const run = <T>(sql: string, values: Record<string, unknown>) => {
    const { text, values: params } = named(sql, values);
    return all<T>(pool, text, params);
  };
  return {
    reportFigures: async ({ from, to, now }) => {
      const p = { from, to };
      const stageTimes = (
        await Promise.all(
          openStages.map(async (stage) => {
            const { text, values } = named(reportSql.stays, { ...p, stage });
            const cases = (await first<{ n: number }>(pool, text, values))!.n;
            const nth = async (percent: number) => (await run<{ ms: number }>(reportSql.nthStay, { ...p, stage, k: nearestRank(cases, percent) }))[0]!.ms;
            return cases ? [{ stage, cases, median: await nth(50), p90: await nth(90) }] : [];
          }),
        )
      ).flat();
      const [cube, satisfaction] = await Promise.all([run<CubeRow>(reportSql.cube, { ...p, now }), run<ReportFigures['satisfaction'][number]>(reportSql.satisfaction, p)]);
      return foldReport(cube, stageTimes, satisfaction);
    },
  };
}
