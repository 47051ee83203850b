/**
 * `mluvii-state generate`: a realistic synthetic webhook stream (NDJSON), deterministic from
 * `--seed`, optionally with injected faults and a truth file saying what was injected.
 */
import { createWriteStream, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createGzip } from 'node:zlib';
import { generateStream } from '../generate/generateStream.js';
import { EXIT, printable, type Output } from './output.js';

export interface GenerateCommandOptions {
  readonly seed: string;
  readonly sessions: string;
  readonly emailThreads?: string;
  readonly operators?: string;
  readonly anomalies: string;
  readonly truth?: string;
  readonly envelope?: boolean;
  readonly out?: string;
}

function count(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got ${JSON.stringify(value)}`);
  return n;
}

/** Why `path` cannot be written to as a file, or null. */
function unwritable(path: string): string | null {
  try {
    if (statSync(path).isDirectory()) return 'it is a directory; give a file name';
  } catch {
    // Does not exist yet: its directory must.
  }
  try {
    if (!statSync(dirname(path)).isDirectory()) return `${dirname(path)} is not a directory`;
  } catch {
    return `the directory ${dirname(path)} does not exist; create it first`;
  }
  return null;
}

export async function runGenerate(options: GenerateCommandOptions, io: Output): Promise<number> {
  for (const [flag, path] of [['--out', options.out], ['--truth', options.truth]] as const) {
    const problem = path === undefined ? null : unwritable(path);
    if (problem !== null) {
      io.err(`mluvii-state: cannot write ${flag} ${printable(path!)}: ${problem}\n`);
      return EXIT.usage;
    }
  }
  let generated;
  try {
    const anomalies = Number(options.anomalies);
    if (!(anomalies >= 0 && anomalies <= 1)) throw new Error(`--anomalies must be a rate from 0 to 1, got ${JSON.stringify(options.anomalies)}`);
    generated = generateStream({
      seed: count('--seed', options.seed)!, sessions: count('--sessions', options.sessions)!,
      emailThreads: count('--email-threads', options.emailThreads), operators: count('--operators', options.operators),
      anomalies, envelope: options.envelope === true,
    });
  } catch (error) {
    io.err(`mluvii-state: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  if (options.truth !== undefined) writeFileSync(options.truth, `${JSON.stringify(generated.truth, null, 2)}\n`);
  const text = generated.lines.join('\n') + '\n';
  if (options.out === undefined) {
    io.out(text);
    return 0;
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const file = createWriteStream(options.out!);
      const sink = options.out!.endsWith('.gz') ? createGzip() : null;
      file.on('finish', resolve).on('error', reject);
      if (sink === null) file.end(text);
      else { sink.pipe(file); sink.end(text); }
    });
  } catch (error) {
    io.err(`mluvii-state: cannot write ${printable(options.out)}: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  return EXIT.ok;
}
