/**
 * A fixed environment for the commands tests start, so no test depends on the
 * real HOME or the user's start-up files (bash reads ~/.bashrc when its stdin
 * is a socket, as Node's pipes are).
 */
import tmp from "tmp";

export const TEST_PATH = "/usr/local/bin:/usr/bin:/bin";

tmp.setGracefulCleanup();
let home: string | undefined;

/** An empty HOME of this test process's own, removed when it exits. */
export function testHome(): string {
  home ??= tmp.dirSync({ prefix: "cordon-test-home-", unsafeCleanup: true }).name;
  return home;
}

/**
 * PATH, an empty HOME and a fixed locale; the host's TMPDIR when it has one
 * (scratch directories live there), then `extra`.
 */
export function testEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const tmpdir = process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {};
  return { PATH: TEST_PATH, HOME: testHome(), LANG: "C.UTF-8", ...tmpdir, ...extra };
}
