#!/usr/bin/env node
/** The `cordon` executable. */
import { runCli } from "./index.js";
import { maybeRunExecWrapperMode } from "../bridge/index.js";

if (!(await maybeRunExecWrapperMode())) process.exitCode = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
