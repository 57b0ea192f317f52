#!/usr/bin/env node
/**
 * The `cordon` executable. As EXEC_WRAPPER it runs once per exec: then only
 * the wrapper's client is loaded. A CLI call loads the dispatcher, which
 * loads only the command it runs.
 */
// The variable is checked here as well as in wrapper mode itself, so that a
// CLI call does not load the wrapper's client and its message schemas.
if (process.env.CORDON_EXEC_WRAPPER_MODE !== "1" || !(await (await import("../bridge/wrapper-mode.js")).maybeRunExecWrapperMode())) {
  const [{ runCli }, { readExactArgs }] = await Promise.all([import("./index.js"), import("./exact-args.js")]);
  const args = process.argv.slice(2);
  process.exitCode = await runCli(args, {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    exactArgs: readExactArgs(args),
  });
}
