import fc from "fast-check";
import { CordonError, parseSandboxPolicy, parseSandboxPolicyJson, PolicyError, toCodexJson } from "../../src/index.js";
import { fuzzParameters } from "../support/fuzz.js";

/** Either a policy that survives a round trip, or a PolicyError: nothing else, never a crash. */
function parseOutcome(parse: () => unknown): "accepted" | "rejected" {
  try {
    const policy = parse() as ReturnType<typeof parseSandboxPolicy>;
    expect(parseSandboxPolicy(toCodexJson(policy))).toEqual(policy);
    return "accepted";
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as CordonError).message).toMatch(/^invalid sandbox policy: /);
    return "rejected";
  }
}

const keys = fc.constantFrom(
  "type", "access", "network_access", "networkAccess", "writable_roots", "exclude_slash_tmp",
  "exclude_tmpdir_env_var", "read_only_access", "readable_roots", "include_platform_defaults", "__proto__", "constructor",
);
const types = fc.constantFrom("read-only", "workspace-write", "danger-full-access", "external-sandbox", "restricted", "full-access");
const leaf = fc.oneof(types, fc.string(), fc.boolean(), fc.integer(), fc.constant(null), fc.constant("/abs"), fc.constant("rel"));
const policyLike = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("value"), { maxLength: 3 }), tie("object")),
  object: fc.dictionary(keys, tie("value"), { maxKeys: 5 }),
})).value;

describe("fuzzing the policy parser", () => {
  test("random policy-shaped values are accepted whole or rejected with a PolicyError", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(policyLike, (value) => {
        seen.add(parseOutcome(() => parseSandboxPolicy(value)));
      }),
      fuzzParameters,
    );
    expect(seen.has("rejected")).toBe(true);
  });

  test("mutated policy JSON text is accepted whole or rejected with a PolicyError", () => {
    const valid = JSON.stringify({ type: "workspace-write", writable_roots: ["/a"], network_access: false });
    const mutation = fc.tuple(fc.nat(valid.length), fc.nat(4), fc.string({ maxLength: 4 }));
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        let text = valid;
        for (const [at, remove, insert] of mutations) text = text.slice(0, at) + insert + text.slice(at + remove);
        parseOutcome(() => parseSandboxPolicyJson(text));
      }),
      fuzzParameters,
    );
  });

  test("prototype keys cannot smuggle fields in", () => {
    const input = JSON.parse('{"type":"read-only","__proto__":{"network_access":true}}');
    expect(() => parseSandboxPolicy(input)).toThrow(/unknown field "__proto__"/);
  });
});
