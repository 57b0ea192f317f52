/** A host's own `decide` callback, checked and turned into the bridge's decision shape. */
import { z } from "zod";
import type { Decide } from "./rules-decider.js";
import type { ExecRequest, HostDecision } from "./types.js";

const hostDecisionSchema = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("run"), cache: z.literal("program").optional() }),
  z.strictObject({ action: z.literal("deny"), reason: z.string(), abort: z.boolean().optional() }),
]);

export type HostDecide = (request: ExecRequest) => HostDecision | Promise<HostDecision>;

/** Wraps `decide`; a malformed answer throws, which the connection turns into a deny and an error event. */
export function fromHostDecide(decide: HostDecide): Decide {
  return async (request) => {
    const answer = hostDecisionSchema.safeParse(await decide(request));
    if (!answer.success) {
      throw new Error(`decide returned ${answer.error.issues[0]!.message} at ${answer.error.issues[0]!.path.join(".") || "the top"}`);
    }
    const decision = answer.data;
    return decision.action === "run"
      ? { action: "run", reason: null, source: "host", approvalId: null, abort: false, justification: null, rule: null, cacheable: decision.cache === "program" }
      : { action: "deny", reason: decision.reason, source: "host", approvalId: null, abort: decision.abort ?? false, justification: null, rule: null };
  };
}
