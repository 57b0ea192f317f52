/**
 * The command grammars cordon ships (`policies/rules/command-grammars.rules`),
 * read once, when first needed, so that evaluation stays synchronous and a
 * policy built in code gets them too.
 */
import { readFileSync } from "node:fs";
import { RulesError } from "../errors.js";
import { fieldsOf } from "./call-fields.js";
import { checkCommandGrammar } from "./check.js";
import type { CommandGrammar } from "./grammar.js";
import { commandGrammarsPath } from "./shipped-rules.js";
import { formatPosition, parseSyntax } from "./syntax.js";

/** The grammars of a grammar file's text, by program; any call but command_grammar is an error. */
export function parseGrammarFile(text: string, file: string): Map<string, CommandGrammar> {
  const grammars = new Map<string, CommandGrammar>();
  for (const call of parseSyntax(text, file)) {
    if (call.name !== "command_grammar") {
      throw new RulesError(`${formatPosition(file, call.at)}: a grammar file holds only command_grammar calls (found ${call.name})`);
    }
    const { fields, locate } = fieldsOf(call, file);
    const grammar = checkCommandGrammar(fields, locate);
    grammars.set(grammar.program, grammar);
  }
  return grammars;
}

let shipped: ReadonlyMap<string, CommandGrammar> | undefined;

/** The shipped grammars, by program (read from the package on first use). */
export function shippedGrammars(): ReadonlyMap<string, CommandGrammar> {
  if (shipped === undefined) {
    let text: string;
    try {
      text = readFileSync(commandGrammarsPath, "utf8");
    } catch (error) {
      throw new RulesError(`cannot read the shipped command grammars ${commandGrammarsPath}: ${(error as Error).message}`, { cause: error });
    }
    shipped = parseGrammarFile(text, commandGrammarsPath);
  }
  return shipped;
}
