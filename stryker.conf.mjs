/**
 * Mutation testing of the pure TypeScript modules (`npm run mutate`): each
 * mutant is a small change to the source, and the unit tests that cover the
 * module must turn red. Slow on a small machine, so not part of CI.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";

export default {
  testRunner: "jest",
  testRunnerNodeArgs: ["--experimental-vm-modules", "--no-warnings"],
  checkers: ["typescript"],
  tsconfigFile: "tsconfig.build.json",
  mutate: [
    "src/rules/**/*.ts",
    "src/policy/**/*.ts",
    "src/approval/**/*.ts",
    "src/seatbelt/**/*.ts",
    "src/platform/environment.ts",
  ],
  jest: {
    projectType: "custom",
    configFile: "jest.config.js",
    // Only the unit tests of these modules: the CLI tests and the shipped rules' walk-arounds run
    // the built `dist/`, which a mutant of `src/` never reaches.
    config: {
      testMatch: [
        "<rootDir>/test/rules/!(cli).test.ts",
        "<rootDir>/test/policy/*.test.ts",
        "<rootDir>/test/approval/!(walk-arounds).test.ts",
        "<rootDir>/test/seatbelt/!(cli|enforcement).test.ts",
        "<rootDir>/test/platform/env-policy.test.ts",
        "<rootDir>/test/platform/dispatch.test.ts",
      ],
      reporters: ["default"],
    },
    enableFindRelatedTests: true,
  },
  coverageAnalysis: "perTest",
  // Reruns only the mutants whose code or covering tests changed since the last run.
  incremental: true,
  // A mutant in module-level code needs every test file reloaded: too slow here, so those are reported as ignored.
  ignoreStatic: true,
  incrementalFile: "reports/stryker-incremental.json",
  // `build/` and `dist/` stay: the environment tests spawn the launcher, and a few rules tests compare with the CLI.
  ignorePatterns: ["bench", "reports"],
  // Outside the project, so a jest run of the project meanwhile does not find a second package.json.
  tempDirName: join(tmpdir(), "cordon-stryker"),
  // Shared between type checkers and test runners; the runners get the checkers' share once checking is done.
  concurrency: 3,
  // A mutant that loops forever costs this much beyond its tests' own time. Short, so a busy machine may call a slow
  // run a timeout: `npm run mutate:confirm -- --timeouts` checks those by hand.
  timeoutMS: 5000,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 90, low: 85, break: null },
};
