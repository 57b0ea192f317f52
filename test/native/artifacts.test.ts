/** Where native files are looked for, and what counts as a passed self-test. */
import { nativeDirectories, selfTestFailure } from "../../src/native/artifacts.js";

test("a build comes first, then only the prebuild of this platform and architecture", () => {
  expect(nativeDirectories("/pkg", "linux", "x64")).toEqual(["/pkg/build/Release", "/pkg/prebuilds/linux-x64"]);
  expect(nativeDirectories("/pkg", "darwin", "arm64")).toEqual(["/pkg/build/Release", "/pkg/prebuilds/darwin-arm64"]);
});

describe("the --version self-test", () => {
  test("passes only on the executable's own name and this package's version, with status 0", () => {
    expect(selfTestFailure("cordon-exec-wrapper", "1.2.3", { status: 0, stdout: "cordon-exec-wrapper 1.2.3\n" })).toBeNull();
  });

  test.each([
    ["another release", { status: 0, stdout: "cordon-exec-wrapper 1.2.4\n" }, /answered "cordon-exec-wrapper 1.2.4" with status 0/],
    ["another executable", { status: 0, stdout: "cordon-linux-sandbox 1.2.3\n" }, /answered "cordon-linux-sandbox 1.2.3"/],
    ["a failing status", { status: 1, stdout: "cordon-exec-wrapper 1.2.3\n" }, /with status 1/],
    ["a signal", { status: null, stdout: "" }, /answered nothing with status null/],
    ["extra output", { status: 0, stdout: "cordon-exec-wrapper 1.2.3\nmore\n" }, /not "cordon-exec-wrapper 1.2.3"/],
    ["an exec failure", { status: null, stdout: "", error: new Error("spawnSync ENOEXEC") }, /cannot be started \(spawnSync ENOEXEC\)/],
  ])("fails on %s", (_, result, reason) => {
    expect(selfTestFailure("cordon-exec-wrapper", "1.2.3", result)).toMatch(reason);
  });
});
