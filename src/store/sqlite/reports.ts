import type { Db } from '../database.js';
import { foldReport, nearestRank, openStages, reportSql, type CubeRow } from '../reportFigures.js';
import type { ReportFigures, ReportsStore } from '../store.js';

/** The commissioner's figures (src/store/reportFigures.ts), read with SQLite's prepared statements. */
export function sqliteReports(db: Db): ReportsStore {
  const q = {
    cube: db.prepare(reportSql.cube),
    stays: db.prepare(reportSql.stays).pluck(),
    nthStay: db.prepare(reportSql.nthStay).pluck(),
    satisfaction: db.prepare(reportSql.satisfaction),
  };
  return {
    reportFigures: async ({ from, to, now }) => {
      const p = { from, to };
      const stageTimes = openStages.flatMap((stage) => {
        const cases = q.stays.get({ ...p, stage }) as number;
        const nth = (percent: number) => q.nthStay.get({ ...p, stage, k: nearestRank(cases, percent) }) as number;
        return cases ? [{ stage, cases, median: nth(50), p90: nth(90) }] : [];
      });
      return foldReport(q.cube.all({ ...p, now }) as CubeRow[], stageTimes, q.satisfaction.all(p) as ReportFigures['satisfaction']);
    },
  };
}
