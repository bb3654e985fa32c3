/**
 * CPU time spent by the service's processes over a window of the bench, read
 * from /proc: what a unit of work costs, a figure that the machine's other load
 * moves far less than a throughput does.
 *
 * - API and worker: utime + stime of their pids (all their threads, libuv's
 *   pool included).
 * - PostgreSQL: every process whose comm is `postgres` (backends, walwriter,
 *   checkpointer, autovacuum), plus the postmaster's cutime + cstime, where the
 *   kernel adds the time of backends that ended and were reaped during the
 *   window. On a shared server other databases' work counts too: measure on a
 *   quiet box.
 * - Redis: the pid that `INFO server` reports.
 * - The load client is counted apart (it reports its own process.cpuUsage()).
 * - The machine: busy jiffies of /proc/stat (everything but idle and iowait,
 *   steal included), for comparison with the service's sum.
 */
import fs from 'node:fs';

/** USER_HZ: the unit of the times in /proc/<pid>/stat and /proc/stat (100 on every Linux build we run on). */
const TICKS_PER_SECOND = 100;
const MS_PER_TICK = 1000 / TICKS_PER_SECOND;

interface ProcTimes {
  /** utime + stime of the process itself. */
  own: number;
  /** cutime + cstime: children that ended and were waited for. */
  children: number;
  ppid: number;
}

function readProcTimes(pid: number): ProcTimes | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The comm field may hold spaces and parentheses: the fields after it start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime 15, cutime 16, cstime 17, ppid 4.
    return {
      ppid: Number(fields[1]),
      own: Number(fields[11]) + Number(fields[12]),
      children: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return null;
  }
}

function processesNamed(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) pids.push(Number(entry));
    } catch {
      /* ended while we looked */
    }
  }
  return pids;
}

/** Busy and total jiffies of the whole machine. */
function machineTicks(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [, ...values] = line.trim().split(/\s+/);
  const n = values.map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  return { busy: total - idle, total };
}

/** PostgreSQL's CPU so far: its live processes plus what the postmaster collected from ended backends. */
function postgresTicks(): number {
  const pids = processesNamed('postgres');
  const set = new Set(pids);
  let ticks = 0;
  for (const pid of pids) {
    const t = readProcTimes(pid);
    if (!t) continue;
    ticks += t.own;
    // The postmaster is the postgres process whose parent is not one.
    if (!set.has(t.ppid)) ticks += t.children;
  }
  return ticks;
}

export interface CpuRoles {
  api: number[];
  worker: number[];
  redis: number | null;
}

interface Snapshot {
  at: number;
  api: number;
  worker: number;
  postgres: number;
  redis: number;
  machine: { busy: number; total: number };
}

export interface CpuWindow {
  wallMs: number;
  /** Milliseconds of CPU per part of the service over the window. */
  serviceMs: { api: number; worker: number; postgres: number; redis: number; total: number };
  /** The whole machine's busy CPU milliseconds over the window (every core). */
  machineMs: number;
}

const sum = (pids: number[]) => pids.reduce((acc, pid) => acc + (readProcTimes(pid)?.own ?? 0), 0);

export class CpuMeter {
  private readonly first: Snapshot;
  /** Last reading of each API/worker pid: a process that has ended counts up to its last reading (read while they run). */
  private readonly lastOwn = new Map<number, number>();

  constructor(private readonly roles: CpuRoles) {
    this.first = this.snapshot();
  }

  private snapshot(): Snapshot {
    for (const pid of [...this.roles.api, ...this.roles.worker]) {
      const own = readProcTimes(pid)?.own;
      if (own !== undefined) this.lastOwn.set(pid, own);
    }
    const own = (pids: number[]) => pids.reduce((acc, pid) => acc + (this.lastOwn.get(pid) ?? 0), 0);
    return {
      at: Date.now(),
      api: own(this.roles.api),
      worker: own(this.roles.worker),
      postgres: postgresTicks(),
      redis: this.roles.redis === null ? 0 : sum([this.roles.redis]),
      machine: machineTicks(),
    };
  }

  /** CPU used since the meter was made. */
  read(): CpuWindow {
    const last = this.snapshot();
    const ms = (ticks: number) => Math.max(0, Math.round(ticks * MS_PER_TICK));
    const serviceMs = {
      api: ms(last.api - this.first.api),
      worker: ms(last.worker - this.first.worker),
      postgres: ms(last.postgres - this.first.postgres),
      redis: ms(last.redis - this.first.redis),
      total: 0,
    };
    serviceMs.total = serviceMs.api + serviceMs.worker + serviceMs.postgres + serviceMs.redis;
    return { wallMs: last.at - this.first.at, serviceMs, machineMs: ms(last.machine.busy - this.first.machine.busy) };
  }
}

/** The pid of the Redis server a client talks to, from `INFO server` (null when Redis runs elsewhere and /proc cannot see it). */
export function redisPidFromInfo(info: string): number | null {
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  return Number.isInteger(pid) && pid > 0 && readProcTimes(pid) ? pid : null;
}
