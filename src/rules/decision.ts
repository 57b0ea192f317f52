/** The three decisions a rule can make, and how they combine. */

/** `allow`: run without asking; `prompt`: ask a person first; `forbidden`: never run. */
export type Decision = "allow" | "prompt" | "forbidden";

const strictness: Record<Decision, number> = { allow: 0, prompt: 1, forbidden: 2 };

export function isDecision(value: unknown): value is Decision {
  return value === "allow" || value === "prompt" || value === "forbidden";
}

/** The stricter of two decisions: forbidden > prompt > allow. */
export function stricterDecision(a: Decision, b: Decision): Decision {
  return strictness[a] >= strictness[b] ? a : b;
}
