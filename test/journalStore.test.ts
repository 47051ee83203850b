import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMemoryStore, createTracker, generateStream, createJournalStore, type Tracker } from 'mluvii-state';

const dir = mkdtempSync(join(tmpdir(), 'mluvii-state-journal-'));
let counter = 0;
const freshPath = () => join(dir, `journal-${++counter}.log`);
const picture = (t: Tracker) => ({ sessions: t.sessions(), threads: t.emailThreads(), operators: t.operators(), anomalies: t.anomalies(), stats: t.stats() });

async function ingestAll(tracker: Tracker, lines: readonly string[]) {
  for (const [i, line] of lines.entries()) await tracker.ingest(line, { source: `line ${i + 1}`, receivedAt: 1_715_000_000_000 + i });
}

describe('journal store', () => {
  const { lines } = generateStream({ seed: 5, sessions: 120, anomalies: 0.06 });
  const withJunk = [...lines, '{"eventType": ', '{"eventType":"Teleported","data":{}}'];

  for (const fsync of ['every', 'none', { intervalMs: 5 }] as const) {
    it(`keeps every delivery across a restart (fsync ${JSON.stringify(fsync)}) and rebuilds the same picture`, async () => {
      const path = freshPath();
      const store = await createJournalStore({ path, fsync });
      const live = createTracker({ store, clock: () => 0 });
      await ingestAll(live, withJunk);
      await store.close();

      const reopened = await createJournalStore({ path });
      expect(reopened.truncatedAt).toBeNull();
      expect(reopened.read()).toEqual(store.read());
      expect(picture(createTracker({ store: reopened, clock: () => 0 }))).toEqual(picture(live));
      // The same deliveries through memory give the same picture: the journal adds nothing.
      const memory = createTracker({ store: createMemoryStore(), clock: () => 0 });
      await ingestAll(memory, withJunk);
      expect(picture(memory)).toEqual(picture(live));
      await reopened.close();
    });
  }

  it('truncates a torn tail and keeps everything before it', async () => {
    const path = freshPath();
    const store = await createJournalStore({ path });
    await ingestAll(createTracker({ store }), lines.slice(0, 50));
    await store.close();
    const size = statSync(path).size;
    appendFileSync(path, Buffer.from([0x40, 0x00, 0x00, 0x00, 1, 2, 3, 4, 0x7b, 0x22])); // a record cut short
    const reopened = await createJournalStore({ path });
    expect(reopened.truncatedAt).toBe(size);
    expect(statSync(path).size).toBe(size);
    expect(reopened.read()).toHaveLength(50);
    await reopened.close();
  });

  it('stops at a record whose checksum does not match', async () => {
    const path = freshPath();
    const store = await createJournalStore({ path });
    await ingestAll(createTracker({ store }), lines.slice(0, 20));
    await store.close();
    const bytes = readFileSync(path);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff; // corrupt the last record's payload
    writeFileSync(path, bytes);
    const reopened = await createJournalStore({ path });
    expect(reopened.read()).toHaveLength(19);
    await reopened.close();
  });

  it('loses nothing acknowledged when the process is killed (SIGKILL) at random points', async () => {
    const writer = fileURLToPath(new URL('./support/journalWriter.ts', import.meta.url));
    const root = fileURLToPath(new URL('..', import.meta.url));
    const reference = generateStream({ seed: 9, sessions: 400, anomalies: 0.05 }).lines;
    for (let round = 0; round < 8; round++) {
      const path = freshPath();
      const child = spawn(process.execPath, ['--import', 'tsx', writer, path, '9'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      const acked: number[] = [];
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop()!;
        for (const line of parts) if (line.startsWith('ack ')) acked.push(Number(line.slice(4)));
      });
      // Kill once it has acknowledged a random number of deliveries, mid-stream.
      const target = 50 + Math.floor(Math.random() * 1500);
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (acked.length >= target || child.exitCode !== null) {
            clearInterval(timer);
            child.kill('SIGKILL');
            resolve();
          }
        }, 1);
      });
      await new Promise((resolve) => child.once('exit', resolve));

      const store = await createJournalStore({ path });
      const records = store.read();
      const positions = new Set(records.map((r) => r.position));
      for (const position of acked) expect(positions.has(position), `acknowledged position ${position} lost`).toBe(true);
      expect(records.map((r) => r.position)).toEqual(records.map((_, i) => i + 1));
      // The survivors are a prefix of the deliveries, and fold to what that prefix folds to.
      expect(records.length).toBeGreaterThanOrEqual(acked.length);
      const recovered = createTracker({ store, clock: () => 0 });
      const expected = createTracker({ clock: () => 0 });
      for (const [i, line] of reference.slice(0, records.length).entries()) await expected.ingest(line, { source: `line ${i + 1}` });
      expect(recovered.sessions()).toEqual(expected.sessions());
      expect(recovered.anomalies().map((a) => [a.kind, a.position])).toEqual(expected.anomalies().map((a) => [a.kind, a.position]));
      await store.close();
    }
  });
});

describe('journal snapshots', () => {
  const { lines } = generateStream({ seed: 6, sessions: 150, anomalies: 0.08 });
  const cut = Math.floor(lines.length * 0.7);
  const withoutWork = (t: Tracker) => ({ ...picture(t), stats: { ...t.stats(), refoldedEvents: 0 } });

  it('a restart starts from the snapshot, with the same picture, before and after more events', async () => {
    const path = freshPath();
    const store = await createJournalStore({ path });
    const live = createTracker({ store, clock: () => 0 });
    await ingestAll(live, lines.slice(0, cut));
    await store.writeSnapshot(live.snapshot(), live.snapshotImage());
    for (const [i, line] of lines.slice(cut).entries()) await live.ingest(line, { source: `line ${cut + i + 1}` });
    await store.close();

    // Two copies of the journal: one restarts from the snapshot, one re-folds everything.
    const copy = freshPath();
    copyFileSync(path, copy);
    const reopened = await createJournalStore({ path });
    const plain = await createJournalStore({ path: copy });
    expect(reopened.snapshot?.position).toBe(cut);
    expect(plain.snapshot).toBeNull();
    const restored = createTracker({ store: reopened, clock: () => 0 });
    const refolded = createTracker({ store: plain, clock: () => 0 });
    expect(withoutWork(restored)).toEqual(withoutWork(live));
    expect(withoutWork(refolded)).toEqual(withoutWork(live));

    // Late and new events after the restart fold the same in both (checkpoints rebuilt as needed).
    // New activities (fresh activity ids) at the times of the earliest events: all late.
    const late = [...lines.slice(0, 60)].reverse().map((l) => l.replace(/"activityId":(\d+)/, (_, id) => `"activityId":${Number(id) + 10_000_000}`));
    for (const line of late) {
      await restored.ingest(line);
      await refolded.ingest(line);
    }
    expect(withoutWork(restored)).toEqual(withoutWork(refolded));
    await reopened.close();
    await plain.close();
  });

  it('ignores a snapshot the journal does not reach (e.g. a tail lost with fsync none)', async () => {
    const path = freshPath();
    const store = await createJournalStore({ path });
    const live = createTracker({ store, clock: () => 0 });
    await ingestAll(live, lines.slice(0, 100));
    await store.close();
    // A snapshot written before the journal's tail was lost (fsync none, power cut).
    writeFileSync(`${path}.snapshot`, JSON.stringify({ ...live.snapshot(), position: 5000, offset: 10 ** 9 }));
    const reopened = await createJournalStore({ path });
    expect(withoutWork(createTracker({ store: reopened, clock: () => 0 }))).toEqual(withoutWork(live));
    await reopened.close();
  });
});
