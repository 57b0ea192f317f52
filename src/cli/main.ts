#!/usr/bin/env node
/**
 * The `cordon` executable. As EXEC_WRAPPER it runs once per exec, so wrapper
 * mode is checked first and loads only what it needs; the rest of the CLI
 * (rules, parsers, backends) is loaded only for a real CLI call.
 */
import { maybeRunExecWrapperMode } from "../bridge/wrapper-mode.js";

if (!(await maybeRunExecWrapperMode())) {
  const { runCli } = await import("./index.js");
  process.exitCode = await runCli(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  });
}
