/** Jest runs the TypeScript sources directly, as ES modules. */
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: {
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true }],
  },
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  testTimeout: 30000,
  reporters: ["default", "<rootDir>/test/support/summary-reporter.cjs"],
};
