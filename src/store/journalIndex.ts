/**
 * The journal's stream index: a stream's key (a 32-bit hash of its id) -> the byte offsets of its
 * records, so that one stream is read back without scanning history. Entries gather in memory
 * (the open run) and are written, sorted, to a run file once there are `RUN_ENTRIES` of them. A
 * lookup binary-searches each run through a sparse fence held in memory (one key in
 * `FENCE_EVERY`) and reads one block of it, then scans the open run: memory is a few bytes per
 * thousand records, whatever the length of history.
 *
 * Runs are a cache of the journal, kept in `<journal>.index/`: each covers a byte range of it
 * (in its name) and carries a checksum. On open, runs that are missing, damaged or do not line up
 * are dropped and their part of the journal is indexed again.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/** Default entries per run file: 12 bytes each (key u32, offset f64); 1.5 MB a run. */
export const RUN_ENTRIES = 1 << 17;
/** One fence key per this many entries of a run. */
const FENCE_EVERY = 256;
const ENTRY = 12;
/** Run file header: magic (8), count (4), crc32 of the entries (4). */
const HEADER = 16;
const MAGIC = Buffer.from('MSIDX01\n', 'latin1');

interface Run {
  readonly path: string;
  readonly from: number;
  readonly to: number;
  /** Position of the last record the run covers. */
  readonly lastPosition: number;
  readonly count: number;
  /** Every FENCE_EVERY-th key, in order. */
  readonly fence: Uint32Array;
  /** Open for the journal's lifetime: a look-up reads each run, and opening it each time cost more than the read. */
  readonly fd: number;
}

const runName = (from: number, to: number, lastPosition: number) => `${from}-${to}-${lastPosition}.run`;

/** Reads a run file, checking it whole; null when it is damaged. */
function loadRun(path: string, from: number, to: number, lastPosition: number): Run | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  const head = Buffer.alloc(HEADER);
  const count = readSync(fd, head, 0, HEADER, 0) === HEADER && head.subarray(0, 8).equals(MAGIC) ? head.readUInt32LE(8) : -1;
  const entries = Buffer.allocUnsafe(Math.max(0, count) * ENTRY);
  if (count < 0 || readSync(fd, entries, 0, entries.length, HEADER) !== entries.length || crc32(entries) !== head.readUInt32LE(12)) {
    closeSync(fd);
    return null;
  }
  const fence = new Uint32Array(Math.ceil(count / FENCE_EVERY));
  for (let i = 0; i < fence.length; i++) fence[i] = entries.readUInt32LE(i * FENCE_EVERY * ENTRY);
  return { path, from, to, lastPosition, count, fence, fd };
}

export class StreamIndex {
  private readonly runs: Run[] = [];
  private keys = new Uint32Array(1024);
  private offsets = new Float64Array(1024);
  private open = 0;
  /** Journal offset where the open run starts. */
  private openFrom: number;
  /** One block of a run, read by a look-up. */
  private readonly block = Buffer.allocUnsafe(FENCE_EVERY * ENTRY);

  /**
   * Opens the index of the journal at `journalPath`, whose records start at `start`: loads the
   * runs that line up from there. `coveredTo` is where the journal must be indexed again from
   * (with `add`), `lastPosition` the last position the loaded runs cover (0: none).
   */
  constructor(private readonly journalPath: string, start: number, private readonly runEntries = RUN_ENTRIES) {
    this.openFrom = start;
    const dir = `${journalPath}.index`;
    mkdirSync(dir, { recursive: true });
    const found = readdirSync(dir).flatMap((name) => {
      const match = /^(\d+)-(\d+)-(\d+)\.run$/.exec(name);
      return match === null ? [] : [{ name, from: Number(match[1]), to: Number(match[2]), lastPosition: Number(match[3]) }];
    }).sort((a, b) => a.from - b.from);
    for (const candidate of found) {
      const path = join(dir, candidate.name);
      const run = candidate.from === this.openFrom ? loadRun(path, candidate.from, candidate.to, candidate.lastPosition) : null;
      if (run === null) {
        rmSync(path, { force: true }); // out of line or damaged: that part is indexed again
        continue;
      }
      this.runs.push(run);
      this.openFrom = run.to;
    }
  }

  /** Where the loaded runs end: the journal from here on must be indexed again. */
  get coveredTo(): number {
    return this.openFrom;
  }

  /** The last position the loaded runs cover (0: none). */
  get lastPosition(): number {
    return this.runs.at(-1)?.lastPosition ?? 0;
  }

  /** Indexes a record of stream `key` at journal `offset`. */
  add(key: number, offset: number): void {
    if (this.open === this.keys.length) {
      const keys = new Uint32Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
      const offsets = new Float64Array(this.offsets.length * 2);
      offsets.set(this.offsets);
      this.offsets = offsets;
    }
    this.keys[this.open] = key >>> 0;
    this.offsets[this.open++] = offset;
  }

  /**
   * Writes the open run to a file when it is full (`to`: the journal offset after its last
   * record, `lastPosition`: that record's position). Atomic: temporary file, fsync, rename.
   */
  sealIfFull(to: number, lastPosition: number): void {
    if (this.open < this.runEntries) return;
    const order = Array.from({ length: this.open }, (_, i) => i).sort((a, b) => this.keys[a]! - this.keys[b]! || this.offsets[a]! - this.offsets[b]!);
    const entries = Buffer.allocUnsafe(this.open * ENTRY);
    order.forEach((i, at) => {
      entries.writeUInt32LE(this.keys[i]!, at * ENTRY);
      entries.writeDoubleLE(this.offsets[i]!, at * ENTRY + 4);
    });
    const head = Buffer.alloc(HEADER);
    MAGIC.copy(head);
    head.writeUInt32LE(this.open, 8);
    head.writeUInt32LE(crc32(entries), 12);
    const path = join(`${this.journalPath}.index`, runName(this.openFrom, to, lastPosition));
    const fd = openSync(`${path}.tmp`, 'w');
    try {
      writeSync(fd, head);
      writeSync(fd, entries);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(`${path}.tmp`, path);
    this.runs.push(loadRun(path, this.openFrom, to, lastPosition)!);
    this.openFrom = to;
    this.open = 0;
  }

  /** The journal offsets of records with `key`, ascending. */
  lookup(key: number): number[] {
    const wanted = key >>> 0;
    const found: number[] = [];
    for (const run of this.runs) found.push(...this.searchRun(run, wanted));
    for (let i = 0; i < this.open; i++) if (this.keys[i] === wanted) found.push(this.offsets[i]!);
    return found.sort((a, b) => a - b);
  }

  /** Entries of `run` with `key`: the fence says which blocks may hold it; those are read. */
  private searchRun(run: Run, key: number): number[] {
    const { fence } = run;
    // The last fence block starting at or below the key may hold its first entries.
    let low = 0;
    let high = fence.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (fence[mid]! < key) low = mid + 1;
      else high = mid;
    }
    const firstBlock = Math.max(0, low - 1);
    const found: number[] = [];
    const block = this.block;
    for (let b = firstBlock; b < fence.length && fence[b]! <= key; b++) {
      const entries = Math.min(FENCE_EVERY, run.count - b * FENCE_EVERY);
      readSync(run.fd, block, 0, entries * ENTRY, HEADER + b * FENCE_EVERY * ENTRY);
      for (let i = 0; i < entries; i++) {
        const k = block.readUInt32LE(i * ENTRY);
        if (k === key) found.push(block.readDoubleLE(i * ENTRY + 4));
        else if (k > key) return found;
      }
    }
    return found;
  }

  /** Closes the run files. */
  close(): void {
    for (const run of this.runs) closeSync(run.fd);
    this.runs.length = 0;
  }

  /** Drops every run (the journal was cut before them, or is being rebuilt). */
  static clear(journalPath: string): void {
    rmSync(`${journalPath}.index`, { recursive: true, force: true });
  }
}
