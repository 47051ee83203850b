import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createTracker, generateStream, createJournalStore } from 'mluvii-state';

/** node:fs with a switch that makes the next write fail after writing part of its bytes, as ENOSPC does. */
const failure = vi.hoisted(() => ({ armed: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    writeSync: (fd: number, buffer: Buffer, offset?: number, length?: number, position?: number) => {
      if (failure.armed && length !== undefined && length > 64) {
        failure.armed = false;
        fs.writeSync(fd, buffer, offset, 32, position); // a partial write first
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      return fs.writeSync(fd, buffer, offset, length, position);
    },
  };
});

describe('a journal whose write fails part-way (injected)', () => {
  it('leaves the file exactly as before, consumes no position, and acknowledges again once a write succeeds', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mluvii-write-failure-')), 'journal.log');
    const { lines } = generateStream({ seed: 3, sessions: 20 });
    const store = await createJournalStore({ path });
    const tracker = createTracker({ store, clock: () => 0 });
    for (const line of lines.slice(0, 30)) await tracker.ingest(line);
    const before = readFileSync(path);

    failure.armed = true;
    const failed = await Promise.allSettled(lines.slice(30, 34).map((line) => tracker.ingest(line)));
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(readFileSync(path)).toEqual(before);
    expect(store.health()).toMatchObject({ ok: false });
    expect(store.read()).toHaveLength(30);

    // The same deliveries again: stored under the positions the failed ones did not consume.
    const retried = [];
    for (const line of lines.slice(30, 34)) retried.push((await tracker.ingest(line)).position);
    expect(retried).toEqual([31, 32, 33, 34]);
    expect(store.health()).toEqual({ ok: true });
    await store.close();
    const reopened = await createJournalStore({ path });
    expect(reopened.read().map((r) => r.position)).toEqual(Array.from({ length: 34 }, (_, i) => i + 1));
    await reopened.close();
  });
});
