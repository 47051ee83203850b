import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTracker, generateStream, createJournalStore, type Tracker } from 'mluvii-state';
import { repairJournal, verifyJournal } from '../src/store/journalRepair.js';

const dir = mkdtempSync(join(tmpdir(), 'mluvii-journal-failure-'));
let counter = 0;
const freshPath = () => join(dir, `journal-${++counter}.log`);
const { lines } = generateStream({ seed: 12, sessions: 120 });
const picture = (t: Tracker) => ({ sessions: t.sessions(), operators: t.operators(), anomalies: t.anomalies() });

/** A small tmpfs of its own, where the test may mount one (root on Linux); null where it cannot. */
function smallFilesystem(): string | null {
  const mountPoint = join(dir, 'full');
  mkdirSync(mountPoint, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint], { stdio: 'ignore' });
    return mountPoint;
  } catch {
    return null;
  }
}
const mountPoint = process.platform === 'linux' ? smallFilesystem() : null;
if (mountPoint === null) console.warn('SKIPPED: the full-disk journal test needs to mount a small tmpfs (root on Linux)');
afterAll(() => {
  if (mountPoint !== null) execFileSync('umount', [mountPoint]);
});

/** Ingests `bodies` in batches of 8 at once (group commit); returns the positions acknowledged and how many were refused. */
async function ingestBatches(tracker: Tracker, bodies: readonly string[]): Promise<{ acknowledged: number[]; refused: number }> {
  const acknowledged: number[] = [];
  let refused = 0;
  for (let i = 0; i < bodies.length; i += 8) {
    for (const r of await Promise.allSettled(bodies.slice(i, i + 8).map((line) => tracker.ingest(line)))) {
      if (r.status === 'fulfilled') acknowledged.push(r.value.position);
      else {
        expect(r.reason).toMatchObject({ code: 'store-unavailable' });
        refused++;
      }
    }
  }
  return { acknowledged, refused };
}

describe('a journal on a full disk', () => {
  it.skipIf(mountPoint === null)('refuses what it cannot write, loses nothing acknowledged after it, and reopens whole', async () => {
    const path = join(mountPoint!, 'journal.log');
    const ballast = join(mountPoint!, 'ballast');
    writeFileSync(ballast, Buffer.alloc(96 * 1024));
    const store = await createJournalStore({ path });
    const tracker = createTracker({ store, clock: () => 0 });
    const first = await ingestBatches(tracker, lines.slice(0, 800));
    expect(first.refused).toBeGreaterThan(0); // the disk filled
    expect(store.health().ok).toBe(false);
    // Room again: the deliveries after the failure are acknowledged and appended after it.
    rmSync(ballast);
    const second = await ingestBatches(tracker, lines.slice(800, 900));
    expect(second.acknowledged.length).toBeGreaterThan(0);
    expect(store.health().ok).toBe(true);
    const acknowledged = [...first.acknowledged, ...second.acknowledged];
    // Positions are consumed only by what was acknowledged: 1, 2, 3, ... without gaps.
    expect(acknowledged).toEqual(acknowledged.map((_, i) => i + 1));
    const live = picture(tracker);
    await store.close();

    const reopened = await createJournalStore({ path });
    expect(reopened.truncatedAt).toBeNull();
    expect(reopened.read().map((r) => r.position)).toEqual(acknowledged);
    expect(picture(createTracker({ store: reopened, clock: () => 0 }))).toEqual(live);
    await reopened.close();
  });
});

describe('opening a file that is not a journal', () => {
  it('refuses it by name and leaves it byte for byte as it was', async () => {
    const capture = join(dir, 'victim.ndjson');
    writeFileSync(capture, `${lines.slice(0, 50).join('\n')}\n`);
    const before = readFileSync(capture);
    await expect(createJournalStore({ path: capture })).rejects.toThrow(/victim\.ndjson is not a mluvii-state journal/);
    expect(readFileSync(capture)).toEqual(before);
  });

  it('refuses a path that does not exist when asked not to create one, and creates nothing', async () => {
    const missing = join(dir, 'missing.journal');
    await expect(createJournalStore({ path: missing, create: false })).rejects.toThrow(/does not exist/);
    expect(existsSync(missing)).toBe(false);
  });
});

describe('damage in a journal', () => {
  async function journalOf(count: number): Promise<string> {
    const path = freshPath();
    const store = await createJournalStore({ path });
    const tracker = createTracker({ store, clock: () => 0 });
    for (const line of lines.slice(0, count)) await tracker.ingest(line);
    await store.close();
    return path;
  }

  it('a flipped byte in the middle stops the open with its offset, changes nothing, and repair keeps every valid record', async () => {
    const path = await journalOf(300);
    const bytes = readFileSync(path);
    const at = Math.floor(bytes.length * 0.1);
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(path, bytes);
    await expect(createJournalStore({ path })).rejects.toMatchObject({ code: 'journal-damaged' });
    await expect(createJournalStore({ path })).rejects.toThrow(/damaged at byte \d+/);
    expect(readFileSync(path)).toEqual(bytes);

    const report = verifyJournal(path);
    expect(report.damaged).toHaveLength(1);
    expect(report.damaged[0]!.kind).toBe('damaged');
    expect(report.records).toBe(299);
    const repaired = repairJournal(path);
    expect(repaired.movedTo).toHaveLength(1);
    expect(readFileSync(repaired.movedTo[0]!).length).toBe(report.damaged[0]!.length);
    expect(verifyJournal(path).damaged).toEqual([]);
    // The store opens again, with 299 records; the one lost left a gap in the positions.
    const reopened = await createJournalStore({ path });
    const positions = reopened.read().map((r) => r.position);
    expect(positions).toHaveLength(299);
    expect(positions.at(-1)).toBe(300);
    const tracker = createTracker({ store: reopened, clock: () => 0 });
    expect((await tracker.ingest(lines[300]!)).position).toBe(301);
    await reopened.close();
  });

  it('a torn last record is cut, kept beside the journal, and said so', async () => {
    const path = await journalOf(40);
    const size = statSync(path).size;
    writeFileSync(path, Buffer.concat([readFileSync(path), Buffer.from([0x40, 0, 0, 0, 1, 2, 3, 4, 0x7b])]));
    const warnings: string[] = [];
    const reopened = await createJournalStore({ path, onWarning: (m) => warnings.push(m) });
    expect(reopened.truncatedAt).toBe(size);
    expect(reopened.read()).toHaveLength(40);
    expect(warnings.join('\n')).toMatch(/cut a torn tail of 9 bytes/);
    expect(readdirSync(dir).some((name) => name === `${path.split('/').at(-1)}.torn-${size}`)).toBe(true);
    await reopened.close();
  });
});
