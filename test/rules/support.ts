/** What the rules tests share. */
import { RulesError } from "../../src/errors.js";
import { parseRules } from "../../src/rules/index.js";

/** The RulesError that `fn` throws; an `fn` that returns fails the test. */
export function rulesError(fn: () => unknown): RulesError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RulesError);
    return error as RulesError;
  }
  throw new Error("expected a RulesError");
}

/** The RulesError that parsing `text` as `file` throws; a text that parses fails the test. */
export function parseError(text: string, file: string): RulesError {
  return rulesError(() => parseRules(text, file));
}
