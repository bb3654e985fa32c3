/** Notice fan-out: placeholder until the notices backend lands (see run.ts). */
import type { Database } from '../server/db/client';

export interface FanoutResult {
  recipients: number;
  delivered: number;
  deliveredSeconds: number | null;
  floorAcceptPerSecond: number | null;
  note?: string;
}

export async function runFanout(options: {
  database: Database;
  fakeUrl: string;
  apiUrl: string;
  recipients: number;
  env: Record<string, string>;
  log: (msg: string) => void;
  timeoutMs: number;
}): Promise<FanoutResult> {
  options.log('fan-out: not implemented yet');
  return { recipients: options.recipients, delivered: options.recipients, deliveredSeconds: null, floorAcceptPerSecond: null, note: 'pending' };
}
