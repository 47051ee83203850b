/**
 * `mluvii-state journal verify|repair --store <path>`: checks a journal file, and repairs one that
 * a start refuses because it is damaged before its end.
 */
import { repairJournal, verifyJournal, type JournalReport } from '../store/journalRepair.js';
import { EXIT, printable, type Output } from './output.js';

export interface JournalCommandOptions { readonly store?: string; readonly json?: boolean }

function describe(report: JournalReport): string {
  const positions = report.firstPosition === null ? '' : ` (positions ${report.firstPosition} to ${report.lastPosition})`;
  const lines = [`${printable(report.path)}: ${report.size.toLocaleString('en')} bytes, ${report.records.toLocaleString('en')} valid records${positions}`];
  for (const span of report.damaged) {
    lines.push(`  ${span.kind === 'torn-tail' ? 'torn tail' : 'damaged'}: ${span.length.toLocaleString('en')} bytes at byte ${span.offset}`);
  }
  if (report.damaged.length === 0) lines.push('  no damage');
  return `${lines.join('\n')}\n`;
}

export function runJournal(action: 'verify' | 'repair', options: JournalCommandOptions, io: Output): number {
  if (options.store === undefined) {
    io.err(`mluvii-state: journal ${action} needs --store <journal path>\n`);
    return EXIT.usage;
  }
  if (/^postgres(ql)?:\/\//.test(options.store)) {
    io.err(`mluvii-state: journal ${action} works on a journal file; a PostgreSQL store checks its own rows\n`);
    return EXIT.usage;
  }
  let report: JournalReport & { movedTo?: readonly string[] };
  try {
    report = action === 'verify' ? verifyJournal(options.store) : repairJournal(options.store);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    io.err(`mluvii-state: cannot ${action} ${printable(options.store)}: ${why}\n`);
    return EXIT.usage;
  }
  if (options.json === true) io.out(`${JSON.stringify(report)}\n`);
  else {
    io.out(describe(report));
    for (const moved of report.movedTo ?? []) io.out(`  moved aside to ${printable(moved)}\n`);
    if (action === 'repair' && report.damaged.length > 0) io.out(`  repaired: ${report.records.toLocaleString('en')} valid records kept\n`);
  }
  // verify answers "is it clean?": 1 for damage. repair has done its job either way.
  return action === 'verify' && report.damaged.length > 0 ? EXIT.no : EXIT.ok;
}
