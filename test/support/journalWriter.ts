/**
 * Child process for the crash test: ingests a generated stream into a journal (fsync every
 * append), ten deliveries at a time, and prints `ack <position>` as each is acknowledged.
 * The parent kills it with SIGKILL at a random moment.
 */
import { createTracker, generateStream, createJournalStore } from 'mluvii-state';

const [path, seed] = process.argv.slice(2);
const store = await createJournalStore({ path: path!, fsync: 'every' });
const tracker = createTracker({ store, clock: () => 0 });
const { lines } = generateStream({ seed: Number(seed), sessions: 400, anomalies: 0.05 });
for (let i = 0; i < lines.length; i += 10) {
  await Promise.all(lines.slice(i, i + 10).map((line, j) =>
    tracker.ingest(line, { source: `line ${i + j + 1}` }).then((r) => process.stdout.write(`ack ${r.position}\n`))));
}
process.stdout.write('done\n');
