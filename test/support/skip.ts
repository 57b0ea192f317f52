/**
 * Skips chosen at collection time, so the runner counts them and the summary
 * names why. A test that cannot run on this host must never return early and
 * pass: pick its `test` here instead, with the reason `null` when it can run.
 */

/** The text a skipped test's name ends with; the summary reporter groups skips by it. */
export function skipNote(reason: string | null | undefined): string {
  return reason ? ` (skipped: ${reason})` : "";
}

/**
 * `test`, or `test.skip` with the reason in the test's name when `reason` is
 * set. Of `test`'s members only `each` is carried over to the skipping form.
 */
export function testUnless(reason: string | null | undefined): jest.It {
  if (!reason) return test;
  const note = skipNote(reason);
  const skipped = (name: string, fn?: jest.ProvidesCallback, timeout?: number) => test.skip(`${name}${note}`, fn, timeout);
  const each = (...table: Parameters<typeof test.skip.each>) => {
    const skipEach = test.skip.each(...table);
    return (name: string, fn: Parameters<typeof skipEach>[1], timeout?: number) => skipEach(`${name}${note}`, fn, timeout);
  };
  return Object.assign(skipped, { each }) as unknown as jest.It;
}

/** `describe`, or `describe.skip` with the reason in the block's name when `reason` is set. */
export function describeUnless(reason: string | null | undefined): jest.Describe {
  if (!reason) return describe;
  const note = skipNote(reason);
  return ((name: string, fn: jest.EmptyFunction) => describe.skip(`${name}${note}`, fn)) as unknown as jest.Describe;
}
