import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../src/cli/program.js';
import { generateStream, type Anomaly, type InjectedFault } from 'mluvii-state';

const SAMPLE = new URL('../examples/data/sample-day.ndjson', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mluvii-state-cli-'));

/** Runs the CLI in-process; returns exit code and captured output. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  process.exitCode = 0;
  await createProgram({ out: (t) => { out += t; }, err: (t) => { err += t; }, isTTY: false }).parseAsync(['node', 'mluvii-state', ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, out, err };
}

describe('mluvii-state replay', () => {
  it('prints the summary of the sample data as tables', async () => {
    const { code, out } = await cli('replay', SAMPLE);
    expect(code).toBe(0);
    expect(out).toMatch(/events read\s+applied\s+duplicate\s+rejected\s+unknown\n\s+3,312\s+3,275\s+34\s+2\s+1/);
    expect(out).toMatch(/Sessions \(250\)/);
    expect(out).toMatch(/closed\s+\d+/);
    expect(out).toMatch(/Operators \(6\)/);
    expect(out).toMatch(/E-mail threads \(25\)/);
    expect(out).toMatch(/invalid-payload\s+error\s+2/);
    expect(out).toContain('line 3310: invalid-json');
  });

  it('--json prints one document with the views of the tracker API', async () => {
    const doc = JSON.parse((await cli('replay', SAMPLE, '--json')).out);
    expect(Object.keys(doc)).toEqual(['summary', 'sessions', 'operators', 'emailThreads', 'anomalies', 'kpis']);
    expect(doc.summary.events).toEqual({ read: 3312, applied: 3275, duplicate: 34, rejected: 2, unknown: 1 });
    // The capture's KPIs, per hour: every session is offered in its span, the hours add up.
    expect(doc.kpis).toMatchObject({ offered: 250, answered: 206, abandoned: 30 });
    expect(doc.kpis.buckets.reduce((n: number, b: { offered: number }) => n + b.offered, 0)).toBe(250);
    expect(doc.sessions).toHaveLength(250);
    expect(doc.sessions[0]).toHaveProperty('operators');
    // The summary's counts agree with the anomalies listed.
    const listed: Record<string, number> = {};
    for (const a of doc.anomalies as Anomaly[]) listed[a.kind] = (listed[a.kind] ?? 0) + 1;
    expect(doc.summary.anomaliesByKind).toEqual(listed);
    expect(doc.anomalies.filter((a: Anomaly) => a.kind === 'invalid-payload').map((a: Anomaly) => a.source)).toEqual(['line 3310', 'line 3311']);
  });

  it('is deterministic: stalled is judged at the latest event time unless --now is given', async () => {
    const first = await cli('replay', SAMPLE, '--json');
    const second = await cli('replay', SAMPLE, '--json');
    expect(first.out).toBe(second.out);
    const early = JSON.parse((await cli('replay', SAMPLE, '--json', '--now', '2024-05-06T06:00:00Z')).out);
    expect(early.anomalies.filter((a: Anomaly) => a.kind === 'stalled')).toEqual([]);
  });

  it('--session shows the view and its timeline', async () => {
    const doc = JSON.parse((await cli('replay', SAMPLE, '--json', '--session', '7400003')).out);
    expect(doc.view).toMatchObject({ id: 7400003, status: 'after-call-work' });
    expect(doc.timeline[0]).toMatchObject({ eventType: 'SessionCreated' });
    expect(doc.timeline.at(-1).state.status).toBe('after-call-work');
    const human = (await cli('inspect', SAMPLE, '--session', '7400003')).out;
    expect(human).toMatch(/Timeline\n\s+source\s+time\s+event\s+status after/);
  });

  it('reads gzip, stdin-like envelopes and plain bodies alike, and skips blank lines', async () => {
    const plain = join(dir, 'plain.ndjson');
    writeFileSync(plain, `${readFileSync(SAMPLE, 'utf8').split('\n').slice(0, 50).join('\n\n')}\n`);
    const gz = join(dir, 'capture.ndjson.gz');
    writeFileSync(gz, gzipSync(readFileSync(plain)));
    const a = JSON.parse((await cli('replay', plain, '--json')).out);
    const b = JSON.parse((await cli('replay', gz, '--json')).out);
    expect(b).toEqual(a);
    expect(a.summary.events.read).toBe(50);
  });

  it('--store keeps the events in a journal; rebuild prints exactly what replay printed', async () => {
    const journal = join(dir, 'sample.journal');
    const replayed = await cli('replay', SAMPLE, '--json', '--store', journal);
    expect(replayed.code).toBe(0);
    const rebuilt = await cli('rebuild', '--store', journal, '--json');
    expect(rebuilt.out).toBe(replayed.out);
    const inMemory = await cli('replay', SAMPLE, '--json');
    expect(inMemory.out).toBe(replayed.out);
    expect((await cli('rebuild', '--store', journal, '--session', '7400003', '--json')).out)
      .toBe((await cli('replay', SAMPLE, '--session', '7400003', '--json')).out);
  });

  it('exits 2 with a clear message when the file cannot be read', async () => {
    const { code, err } = await cli('replay', join(dir, 'missing.ndjson'));
    expect(code).toBe(2);
    expect(err).toMatch(/cannot read .*missing\.ndjson/);
  });
});

describe('mluvii-state generate', () => {
  it('is deterministic from --seed and round-trips through replay --json', async () => {
    const out = join(dir, 'gen.ndjson');
    await cli('generate', '--seed', '3', '--sessions', '40', '--out', out);
    const again = (await cli('generate', '--seed', '3', '--sessions', '40')).out;
    expect(readFileSync(out, 'utf8')).toBe(again);
    const doc = JSON.parse((await cli('replay', out, '--json')).out);
    expect(doc.sessions).toHaveLength(40);
    expect(doc.anomalies.filter((a: Anomaly) => a.kind !== 'stalled')).toEqual([]);
  });

  it('--days spreads the same daily profile over consecutive days, each entity once', async () => {
    const file = join(dir, 'two-days.ndjson');
    expect((await cli('generate', '--seed', '3', '--sessions', '30', '--days', '2', '--out', file)).code).toBe(0);
    const doc = JSON.parse((await cli('replay', file, '--json')).out);
    expect(doc.sessions).toHaveLength(60);
    const startedDays = new Set((doc.sessions as { startedAt: string | null }[]).map((v) => v.startedAt?.slice(0, 10)).filter(Boolean));
    expect(startedDays.size).toBeGreaterThanOrEqual(2);
    expect(readFileSync(file, 'utf8')).toBe((await cli('generate', '--seed', '3', '--sessions', '30', '--days', '2')).out);
    expect((await cli('generate', '--days', '0')).code).toBe(2);
  });

  it('reproduces the shipped sample data', async () => {
    const generated = (await cli('generate', '--seed', '7', '--sessions', '250', '--anomalies', '0.03', '--envelope')).out.trimEnd().split('\n');
    expect(readFileSync(SAMPLE, 'utf8').split('\n').slice(0, generated.length)).toEqual(generated);
  });

  it('a replay reports every injected drop, duplicate and reordering, and nothing on a clean stream', async () => {
    for (const seed of [11, 12, 13]) {
      const file = join(dir, `faults-${seed}.ndjson`);
      const truthFile = join(dir, `truth-${seed}.json`);
      await cli('generate', '--seed', String(seed), '--sessions', '300', '--anomalies', '0.08', '--truth', truthFile, '--out', file);
      const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as { faults: InjectedFault[] };
      expect(new Set(truth.faults.map((f) => f.kind))).toEqual(new Set(['drop', 'duplicate', 'reorder']));
      const anomalies = JSON.parse((await cli('replay', file, '--json')).out).anomalies as Anomaly[];
      for (const fault of truth.faults) {
        const reported = fault.kind === 'drop'
          ? anomalies.some((a) => a.kind === 'missing-transition' && a.stream === fault.stream && a.missing?.includes(fault.eventType))
          : anomalies.some((a) => a.kind === (fault.kind === 'duplicate' ? 'duplicate' : 'out-of-order') && a.source === `line ${fault.line}`);
        expect(reported, JSON.stringify(fault)).toBe(true);
      }
      const clean = generateStream({ seed, sessions: 300 });
      const cleanFile = join(dir, `clean-${seed}.ndjson`);
      writeFileSync(cleanFile, clean.lines.join('\n'));
      const cleanAnomalies = JSON.parse((await cli('replay', cleanFile, '--json')).out).anomalies as Anomaly[];
      expect(cleanAnomalies.filter((a) => a.kind !== 'stalled')).toEqual([]);
    }
  });

  it('rejects a bad rate with exit 2', async () => {
    expect((await cli('generate', '--anomalies', '2')).code).toBe(2);
  });
});
