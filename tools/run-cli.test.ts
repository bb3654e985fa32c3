import { ConfigError } from '../config';
import { runCli, UsageError } from './run-cli';

class Refused extends Error {}

describe('runCli', () => {
  let errors: string[];
  let logs: string[];
  beforeEach(() => {
    errors = [];
    logs = [];
    jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args.map(String).join(' ')));
    jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(' ')));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.exitCode = undefined;
  });

  const spec = (run: (args: { values: { count?: string }; positionals: string[] }) => Promise<number | void>) => ({
    usage: 'usage: tool [--count N] <file>',
    options: { count: { type: 'string' as const } },
    allowPositionals: true as const,
    expected: [[Refused, 3]] as const,
    run,
  });

  it('passes the parsed options and positionals and exits with what the tool returns', async () => {
    const seen: unknown[] = [];
    const code = await runCli(spec(async (args) => void seen.push(args.values.count, args.positionals)), ['--count', '5', 'a.csv']);
    expect(seen).toEqual(['5', ['a.csv']]);
    expect(code).toBe(0);
    expect(process.exitCode).toBe(0);
  });

  it('prints the usage for -h and --help and runs nothing', async () => {
    const run = jest.fn(async () => 0);
    expect(await runCli(spec(run), ['-h'])).toBe(0);
    expect(await runCli(spec(run), ['--help'])).toBe(0);
    expect(run).not.toHaveBeenCalled();
    expect(logs).toEqual(['usage: tool [--count N] <file>', 'usage: tool [--count N] <file>']);
  });

  it('answers an unknown option with its message and the usage, exit code 2', async () => {
    expect(await runCli(spec(async () => 0), ['--bogus'])).toBe(2);
    expect(errors[0]).toContain("Unknown option '--bogus'");
    expect(errors[0]).toContain('usage: tool');
  });

  it('turns a UsageError into the usage (after its message), exit code 2', async () => {
    expect(await runCli(spec(async () => Promise.reject(new UsageError('--count must be a number'))), [])).toBe(2);
    expect(errors).toEqual(['--count must be a number\n\nusage: tool [--count N] <file>']);
  });

  it('prints only the message of an expected error or a configuration error', async () => {
    expect(await runCli(spec(async () => Promise.reject(new Refused('已存在，未做改动'))), [])).toBe(3);
    expect(await runCli(spec(async () => Promise.reject(new ConfigError(['DATABASE_URL is not a URL']))), [])).toBe(1);
    expect(errors).toEqual(['已存在，未做改动', 'Invalid configuration:\n  - DATABASE_URL is not a URL']);
  });

  it('prints any other failure whole, exit code 1', async () => {
    const boom = new Error('boom');
    expect(await runCli(spec(async () => Promise.reject(boom)), [])).toBe(1);
    expect(errors[0]).toContain('boom');
  });
});
