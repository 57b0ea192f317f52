/** What the rules tests share. */
import { RulesError } from "../../src/errors.js";
import { parseRules } from "../../src/rules/index.js";

/** The RulesError that parsing `text` as `file` throws; a text that parses fails the test. */
export function parseError(text: string, file: string): RulesError {
  try {
    parseRules(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(RulesError);
    return error as RulesError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to fail to parse`);
}
