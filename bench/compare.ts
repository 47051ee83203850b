/**
 * `npm run compare -- <build A> <build B>`: whether build B ingests faster than build A, measured
 * so that a machine's drift cannot decide it.
 *
 * A build is the `dist` folder of a commit of this package (`git worktree add /tmp/a <commit>`,
 * then `npm run build` there, with `node_modules` linked). Both builds ingest the same generated
 * day, one after the other in one process, in alternating order, pair after pair; each pair gives
 * the ratio of B's time to A's, and the median of those ratios is the answer. A shared machine's
 * speed drifts by a tenth or more between runs and up to half within one, so `npm run bench` run
 * once before and once after a change cannot show a change of 5-15 %; pairs taken minutes apart
 * see the same machine. (Instruction counts under callgrind, which drift does not touch, are the
 * other yardstick; docs/performance.md.)
 *
 * Options: --sessions N (default 90000), --pairs P (default 6), --seed S (default 1).
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateStream } from '../src/generate/generateStream.js';
import type { Tracker, TrackerOptions, TrackerStats } from '../src/index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { sessions: { type: 'string', default: '90000' }, pairs: { type: 'string', default: '6' }, seed: { type: 'string', default: '1' } },
});
if (positionals.length !== 2) throw new Error('usage: npm run compare -- <dist of build A> <dist of build B>');
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc (npm run compare does)');

interface Build { readonly name: string; readonly createTracker: (options?: TrackerOptions) => Tracker }
const builds: Build[] = [];
for (const dist of positionals) {
  const library = await import(pathToFileURL(resolve(dist, 'src/index.js')).href) as Pick<Build, 'createTracker'>;
  builds.push({ name: dist, createTracker: library.createTracker });
}
const [a, b] = builds as [Build, Build];

const { lines } = generateStream({ seed: Number(values.seed), sessions: Number(values.sessions) });
console.log(`${lines.length} webhook bodies; A = ${a.name}, B = ${b.name}`);

/** One pass of a build over the day: µs per event, and its stats, which both builds must agree on. */
async function pass(build: Build): Promise<{ usPerEvent: number; stats: TrackerStats }> {
  gc!();
  const start = performance.now();
  const tracker = build.createTracker({ clock: () => 0 });
  for (const line of lines) await tracker.ingest(line);
  const usPerEvent = ((performance.now() - start) * 1000) / lines.length;
  return { usPerEvent, stats: tracker.stats() };
}

// A first pass of each, not counted: both compile their hot code before the pairs.
const expected = JSON.stringify((await pass(a)).stats);
if (JSON.stringify((await pass(b)).stats) !== expected) throw new Error('the builds disagree on what the day folds to: compare their results first');

const ratios: number[] = [];
for (let pair = 0; pair < Number(values.pairs); pair++) {
  // Alternating which goes first: the second of a pair runs on a heap the first has just left.
  const [first, second] = pair % 2 === 0 ? [a, b] : [b, a];
  const timeOf = new Map([[first, (await pass(first)).usPerEvent], [second, (await pass(second)).usPerEvent]]);
  const ratio = timeOf.get(b)! / timeOf.get(a)!;
  ratios.push(ratio);
  console.log(`pair ${pair + 1}: A ${timeOf.get(a)!.toFixed(3)} µs, B ${timeOf.get(b)!.toFixed(3)} µs per event, B / A ${ratio.toFixed(3)}`);
}
const sorted = [...ratios].sort((x, y) => x - y);
const median = sorted.length % 2 === 1 ? sorted[sorted.length >> 1]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
console.log(`median B / A ${median.toFixed(3)}; B faster in ${ratios.filter((ratio) => ratio < 1).length} of ${ratios.length} pairs (below 1: B is faster)`);
