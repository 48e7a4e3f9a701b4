#!/usr/bin/env node
/** Entry point of the `switchboard` command (bin/switchboard.js runs the compiled copy). */
import { processIo } from './output.js';
import { runCli } from './program.js';
import { processEnv } from '../config.js';

const code = await runCli(process.argv.slice(2), { io: processIo, env: processEnv(), cwd: process.cwd() });
// `serve` never resolves; other commands end here.
process.exitCode = code;
