/**
 * The rules files shipped in the package (`policies/rules`), by absolute
 * path, so a host loads them wherever the package is installed.
 */
import { join } from "node:path";
import { packageRoot } from "../native/index.js";

/** `policies/rules/default.rules`, the rules cordon ships as its defaults. */
export const defaultRulesPath = join(packageRoot, "policies", "rules", "default.rules");

/** `policies/rules/command-grammars.rules`, the canonical forms of the programs the shipped rules name. */
export const commandGrammarsPath = join(packageRoot, "policies", "rules", "command-grammars.rules");
