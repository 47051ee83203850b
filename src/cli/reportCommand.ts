/**
 * `mluvii-state report <capture> --out report.html`: replays a capture in memory and writes one
 * self-contained HTML file with its KPIs, charts and worst sessions (src/report/).
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { getReportData } from '../report/reportData.js';
import { renderReport } from '../report/renderReport.js';
import { readWebhookLines } from '../replay/readWebhookLines.js';
import { replayInto } from '../replay/replay.js';
import { createTracker } from '../tracker/createTracker.js';
import { EXIT, printable, type Output } from './output.js';

export interface ReportCommandOptions {
  readonly out?: string;
  readonly title?: string;
}

export async function runReport(file: string, options: ReportCommandOptions, io: Output): Promise<number> {
  const out = options.out ?? 'report.html';
  // A report is of one capture: it keeps the whole capture in memory, as replay does.
  const tracker = createTracker({ clock: () => 0, retainFor: Infinity });
  try {
    await replayInto(tracker, readWebhookLines(file));
  } catch (error) {
    io.err(`mluvii-state: cannot read ${printable(file)}: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  const data = await getReportData(tracker, options.title ?? `mluvii-state report: ${file === '-' ? 'standard input' : basename(file)}`);
  try {
    writeFileSync(out, renderReport(data));
  } catch (error) {
    io.err(`mluvii-state: cannot write ${printable(out)}: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  io.out(`wrote ${out} (${data.kpis?.offered ?? 0} sessions, ${data.worst.length} worst detailed)\n`);
  return EXIT.ok;
}
