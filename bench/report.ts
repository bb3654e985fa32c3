/** The results of one bench run (bench/results.json) and the table printed at the end. */
import type { FanoutResult } from './fanout';
import type { ConsoleStatsResult } from './console-stats';

/** CPU milliseconds of a window and per unit of work in it (bench/cpu-meter.ts says what each part counts). */
export interface CpuPerUnit {
  units: number;
  wallMs: number;
  serviceMs: { api: number; worker: number; postgres: number; redis: number; total: number };
  serviceMsPerUnit: number | null;
  /** The whole machine, the load client included. */
  machineMsPerUnit: number | null;
  loadClientMs: number;
}

interface LoadFigures {
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  completed: number;
  statuses: Record<string, number>;
  cpu?: CpuPerUnit;
}

export interface Results {
  variant: 'full' | 'small';
  startedAt: string;
  finishedAt?: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; postgres: string; redis: string; platform: string };
  import?: {
    rows: number;
    importSeconds: number;
    rowsPerSecond: number;
    wallSeconds: number;
    peakRssMb: number;
    floorCopySeconds: number;
    floorCopyRowsPerSecond: number;
    /** CPU microseconds per row of the import tool and of PostgreSQL (bench/cpu-meter.ts). */
    cpu?: { toolUsPerRow: number; postgresUsPerRow: number };
    /** What the machine's cores allow at that CPU per row: cores / (tool + PostgreSQL per row). */
    cpuBoundRowsPerSecond?: number;
    /** The same file imported again: every row unchanged. */
    reimport?: { rowsPerSecond: number; peakRssMb: number; cpu: { toolUsPerRow: number; postgresUsPerRow: number }; cpuBoundRowsPerSecond: number };
  };
  floors?: { koaGet: LoadFigures; insertEnqueue: LoadFigures };
  rush?: {
    submissions: number;
    expected: { approved: number; pendingReview: number };
    accepted: number;
    statuses: Record<string, number>;
    connections: number;
    submitPerSecond: number;
    latencyMs: LoadFigures['latencyMs'];
    submitSeconds: number;
    decidedAfterLastSubmitSeconds: number | null;
    decidedAfterFirstSubmitSeconds: number | null;
    decidedPerSecond: number | null;
    decided: { approved: number; pendingReview: number; other: number };
    /** Per decided submission, from the first submit to the last decision. */
    cpu?: CpuPerUnit;
    memoryMb: { apiIdle: number | null; apiPeak: number | null; workerIdle: number | null; workerPeak: number | null };
  };
  fanout?: FanoutResult;
  consoleStats?: ConsoleStatsResult;
}

const fmt = (n: number | null | undefined, unit = '') => (n === null || n === undefined || Number.isNaN(n) ? '—' : `${n.toLocaleString('en-US')}${unit}`);
const pct = (a: number | null | undefined, b: number | null | undefined) => (a && b ? `${Math.round((a / b) * 100)} %` : '—');

export function printTable(r: Results): string {
  const rows: [string, string, string, string, string][] = [];
  const add = (what: string, value: string, floor: string, ratio: string, target: string) => rows.push([what, value, floor, ratio, target]);
  if (r.import) {
    const i = r.import;
    add(`import ${fmt(i.rows)} rows: rows/s`, fmt(i.rowsPerSecond), `psql \\copy ${fmt(i.floorCopyRowsPerSecond)}`, pct(i.rowsPerSecond, i.floorCopyRowsPerSecond), '≥ 50,000');
    add('import: peak RSS', fmt(i.peakRssMb, ' MB'), '', '', '< 300 MB');
    add('import: time (process wall)', `${i.importSeconds} s (${i.wallSeconds} s)`, `${i.floorCopySeconds} s`, '', '');
    if (i.cpu) {
      add('import: CPU per row (tool / PostgreSQL)', `${i.cpu.toolUsPerRow} / ${i.cpu.postgresUsPerRow} µs`, '', '', '');
      add('import: bound by CPU at that cost', fmt(i.cpuBoundRowsPerSecond, ' rows/s'), `${r.machine.cpus} cores`, pct(i.rowsPerSecond, i.cpuBoundRowsPerSecond), '');
    }
    if (i.reimport) {
      const again = i.reimport;
      add('re-import, all unchanged: rows/s', fmt(again.rowsPerSecond), `psql \\copy ${fmt(i.floorCopyRowsPerSecond)}`, pct(again.rowsPerSecond, i.floorCopyRowsPerSecond), '≥ 10 % of \\copy');
      add('re-import: CPU per row (tool / PostgreSQL)', `${again.cpu.toolUsPerRow} / ${again.cpu.postgresUsPerRow} µs`, '', '', '');
    }
  }
  if (r.rush) {
    const s = r.rush;
    const f = r.floors;
    add(`rush ${fmt(s.submissions)} submits, ${s.connections} conns: /s`, fmt(s.submitPerSecond), f ? `insert+enqueue ${fmt(f.insertEnqueue.rps)}` : '', pct(s.submitPerSecond, f?.insertEnqueue.rps), '≥ 1,000');
    add('rush: submit p50 / p99', `${s.latencyMs.p50} / ${s.latencyMs.p99} ms`, f ? `${f.insertEnqueue.latencyMs.p50} / ${f.insertEnqueue.latencyMs.p99} ms` : '', '', 'p99 ≤ 150 ms');
    add('rush: HTTP ceiling', '', f ? `bare Koa GET ${fmt(f.koaGet.rps)}/s` : '', pct(s.submitPerSecond, f?.koaGet.rps), '');
    add('rush: all decided after last submit', fmt(s.decidedAfterLastSubmitSeconds, ' s'), '', '', '≤ 30 s');
    add('rush: decided (approved / review)', `${fmt(s.decided.approved)} / ${fmt(s.decided.pendingReview)}`, `expected ${fmt(s.expected.approved)} / ${fmt(s.expected.pendingReview)}`, '', '');
    add('rush: decision throughput', fmt(s.decidedPerSecond, '/s'), '', '', '');
    if (s.cpu) {
      const c = s.cpu.serviceMs;
      const floorCpu = f?.insertEnqueue.cpu;
      add(
        'rush: service CPU / decided submission',
        fmt(s.cpu.serviceMsPerUnit, ' ms'),
        floorCpu ? `insert+enqueue ${fmt(floorCpu.serviceMsPerUnit, ' ms')}/req` : '',
        s.cpu.serviceMsPerUnit && floorCpu?.serviceMsPerUnit ? `${Math.round((s.cpu.serviceMsPerUnit / floorCpu.serviceMsPerUnit) * 10) / 10} ×` : '',
        '≤ 2.5 ms',
      );
      const share = (ms: number) => `${Math.round((ms / Math.max(1, c.total)) * 100)} %`;
      add('rush: service CPU split', `API ${share(c.api)}, worker ${share(c.worker)}, PostgreSQL ${share(c.postgres)}, Redis ${share(c.redis)}`, '', '', '');
      add('rush: machine CPU / decided submission', fmt(s.cpu.machineMsPerUnit, ' ms'), floorCpu ? `${fmt(floorCpu.machineMsPerUnit, ' ms')}/req` : '', '', '');
      add('rush: load client CPU (apart)', fmt(s.cpu.loadClientMs, ' ms'), '', '', '');
    }
    add('memory: API RSS idle / peak', `${fmt(s.memoryMb.apiIdle)} / ${fmt(s.memoryMb.apiPeak, ' MB')}`, '', '', 'peak ≤ 200 MB');
    add('memory: worker RSS idle / peak', `${fmt(s.memoryMb.workerIdle)} / ${fmt(s.memoryMb.workerPeak, ' MB')}`, '', '', '');
  }
  if (r.fanout) {
    const o = r.fanout;
    add(`fan-out to ${fmt(o.recipients)}: all delivered`, o.deliveredSeconds === null ? `${fmt(o.delivered)} delivered` : `${o.deliveredSeconds} s`, o.floorAcceptPerSecond ? `fake accepts ${fmt(o.floorAcceptPerSecond)}/s` : '', o.floorAcceptPerSecond && o.deliveredSeconds ? `${Math.round((o.recipients / o.deliveredSeconds / o.floorAcceptPerSecond) * 100)} %` : '', '≤ 5 s');
    add('fan-out: limiter / concurrency', `${fmt(o.notifyRatePerSecond)}/s / ${o.notifyConcurrency}`, '', '', '');
    if (o.note) add('fan-out: note', o.note, '', '', '');
  }
  if (r.consoleStats) {
    const c = r.consoleStats;
    add(`stats: ${fmt(c.students)} students / ${fmt(c.schools)} schools: load, rebuild`, `${c.loadSeconds} s, ${c.rebuildSeconds} s`, '', '', '');
    for (const route of c.routes) {
      add(`stats: ${route.route} p50 / p95`, `${route.latencyMs.p50} / ${route.latencyMs.p95} ms`, `console/me ${c.floor.latencyMs.p50} / ${c.floor.latencyMs.p95} ms`, '', `p95 ≤ ${c.targetP95Ms} ms`);
    }
  }
  const headers: [string, string, string, string, string] = ['measure', 'value', 'floor (same run)', 'of floor', 'target'];
  const all = [headers, ...rows];
  const widths = headers.map((_, c) => Math.max(...all.map((row) => [...row[c]!].length)));
  const line = (row: string[]) => `| ${row.map((cell, c) => cell + ' '.repeat(widths[c]! - [...cell].length)).join(' | ')} |`;
  const m = r.machine;
  return [
    `EduCard bench (${r.variant}) — ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}, ${r.startedAt}`,
    line(headers),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}
