#!/usr/bin/env node
/**
 * The `mluvii-state` command line. Every failure ends in one line on stderr and an exit code
 * (output.ts `EXIT`), never a stack trace.
 */
import { CommanderError } from 'commander';
import { createProgram } from './program.js';
import { EXIT } from './output.js';

// Output piped into `head` that stops reading: not an error of ours; stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok);
  process.stderr.write(`mluvii-state: cannot write output: ${error.message}\n`);
  process.exit(EXIT.usage);
});

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has said what was wrong (an unknown option, a missing argument); help and
    // --version end here too, with code 0.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    process.stderr.write(`mluvii-state: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = EXIT.internal;
  }
}
