#!/usr/bin/env node
/**
 * The `mluvii-state` command line. Commands (replay, generate, inspect, rebuild, serve) are
 * registered in ./commands.ts as they are built.
 */
import { createProgram } from './program.js';

await createProgram().parseAsync(process.argv);
