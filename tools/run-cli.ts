/**
 * The one way a command-line tool in tools/ starts and ends: parse the
 * arguments (`-h/--help` prints the usage; a parse error or a UsageError prints
 * it to stderr with exit code 2), run, and turn the result into the exit code.
 * A failure prints its message only for the errors a tool expects (bad
 * configuration, and the ones it names in `expected`), else the whole error,
 * with exit code 1. The process ends on its own when the tool closed what it
 * opened (`hardExit` for tools whose clients keep the event loop alive).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../config';

/** Wrong arguments found after parsing (a missing file, a bad number): the usage follows the message. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options, P extends boolean> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: P; strict: true }>>;

export interface CliSpec<O extends Options, P extends boolean> {
  usage: string;
  /** The tool's options; `help` (-h) is added. Omit for a tool that takes arguments of its own shape. */
  options?: O;
  allowPositionals?: P;
  /** Errors whose message is the whole story (a refusal, bad input): printed alone, with this exit code. */
  expected?: ReadonlyArray<readonly [new (...args: never[]) => Error, number]>;
  /** End with process.exit instead of letting the event loop drain. */
  hardExit?: boolean;
  run: (args: Parsed<O, P>) => Promise<number | void>;
}

function exitCodeFor(err: unknown, spec: { usage: string; expected?: CliSpec<Options, boolean>['expected'] }): number {
  if (err instanceof UsageError) {
    console.error(err.message ? `${err.message}\n\n${spec.usage}` : spec.usage);
    return 2;
  }
  if (err instanceof ConfigError) {
    console.error(err.message);
    return 1;
  }
  for (const [type, code] of spec.expected ?? []) {
    if (err instanceof type) {
      console.error(err.message);
      return code;
    }
  }
  console.error(err);
  return 1;
}

/** Runs the tool; the promise (what tests await) settles with the exit code it set. */
export function runCli<O extends Options = Options, P extends boolean = false>(
  spec: CliSpec<O, P>,
  argv: string[] = process.argv.slice(2),
): Promise<number> {
  const finish = (code: number) => {
    process.exitCode = code;
    if (spec.hardExit) process.exit(code);
    return code;
  };
  let args: Parsed<O, P>;
  try {
    args = parseArgs({
      args: argv,
      options: { ...(spec.options ?? {}), help: { type: 'boolean', short: 'h' } } as unknown as O,
      allowPositionals: (spec.allowPositionals ?? false) as P,
      strict: true,
    });
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${spec.usage}`);
    return Promise.resolve(finish(2));
  }
  if ((args.values as { help?: boolean }).help) {
    console.log(spec.usage);
    return Promise.resolve(finish(0));
  }
  return spec.run(args).then(
    (code) => finish(code ?? 0),
    (err: unknown) => finish(exitCodeFor(err, spec)),
  );
}
