#!/usr/bin/env node
// `enroll create <email>`, the package's bin. Call it as a bin (`pnpm exec enroll`, node_modules/.bin/enroll)
// rather than from a package script: pnpm's script wrapper turns every failure into exit code 1 and
// prints lines of its own after ours.
import { runCli } from "./cli.ts";

process.exitCode = await runCli(process.argv.slice(2), console);
