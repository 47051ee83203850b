/**
 * `mluvii-state generate`: a realistic synthetic webhook stream (NDJSON), deterministic from
 * `--seed`, optionally with injected faults and a truth file saying what was injected. Written as
 * it is generated, waiting for a slow reader: memory stays bounded whatever `--sessions` and
 * `--days`.
 */
import { once } from 'node:events';
import { createWriteStream, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createGzip } from 'node:zlib';
import { generateLines, type GeneratedLines } from '../generate/generateStream.js';
import { EXIT, printable, type Output } from './output.js';

export interface GenerateCommandOptions {
  readonly seed: string;
  readonly sessions: string;
  readonly days?: string;
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
  let generated: GeneratedLines;
  try {
    const anomalies = Number(options.anomalies);
    if (!(anomalies >= 0 && anomalies <= 1)) throw new Error(`--anomalies must be a rate from 0 to 1, got ${JSON.stringify(options.anomalies)}`);
    const days = count('--days', options.days ?? '1')!;
    if (days < 1) throw new Error('--days must be at least 1');
    generated = generateLines({
      seed: count('--seed', options.seed)!, sessions: count('--sessions', options.sessions)!, days,
      emailThreads: count('--email-threads', options.emailThreads), operators: count('--operators', options.operators),
      anomalies, envelope: options.envelope === true,
    });
  } catch (error) {
    io.err(`mluvii-state: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  try {
    if (options.out !== undefined) await writeTo(createWriteStream(options.out), options.out.endsWith('.gz'), generated);
    else if (io.stdout !== undefined) await writeTo(io.stdout, false, generated);
    else for (const chunk of chunks(generated)) io.out(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return EXIT.ok; // the reader stopped (`| head`)
    io.err(`mluvii-state: cannot write ${printable(options.out ?? 'the output')}: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  if (options.truth !== undefined) writeFileSync(options.truth, `${JSON.stringify({ seed: Number(options.seed), faults: generated.faults }, null, 2)}\n`);
  return EXIT.ok;
}

/** The lines in chunks of about 64 KiB (one write each). */
function* chunks(generated: GeneratedLines): Generator<string> {
  let buffer = '';
  for (const line of generated.lines) {
    buffer += `${line}\n`;
    if (buffer.length >= 65_536) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer !== '') yield buffer;
}

/** Writes every line to `sink` (gzipped when asked), waiting whenever it is full. */
async function writeTo(sink: NodeJS.WritableStream, gzip: boolean, generated: GeneratedLines): Promise<void> {
  const failed = new Promise<never>((_, reject) => sink.once('error', reject));
  failed.catch(() => undefined);
  const target: NodeJS.WritableStream = gzip ? createGzip() : sink;
  if (gzip) (target as NodeJS.ReadWriteStream).pipe(sink);
  for (const chunk of chunks(generated)) {
    if (!target.write(chunk)) await Promise.race([once(target, 'drain'), failed]);
  }
  if (sink === process.stdout) return;
  target.end();
  await Promise.race([once(sink, 'finish'), failed]);
}
