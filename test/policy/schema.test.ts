import fc from "fast-check";
import {
  hasFullDiskReadAccess,
  hasFullDiskWriteAccess,
  hasFullNetworkAccess,
  parseSandboxPolicy,
  parseSandboxPolicyJson,
  PolicyError,
  toCodexJson,
  type SandboxPolicy,
} from "../../src/index.js";

describe("parseSandboxPolicy: the Codex wire form", () => {
  test("danger-full-access", () => {
    expect(parseSandboxPolicy({ type: "danger-full-access" })).toEqual({ type: "danger-full-access" });
  });

  test("read-only defaults to full read access and no network", () => {
    expect(parseSandboxPolicy({ type: "read-only" })).toEqual({
      type: "read-only",
      access: { type: "full-access" },
      networkAccess: false,
    });
  });

  test("read-only with restricted reads; include_platform_defaults defaults to true", () => {
    const policy = parseSandboxPolicy({
      type: "read-only",
      access: { type: "restricted", readable_roots: ["/opt/data"] },
      network_access: true,
    });
    expect(policy).toEqual({
      type: "read-only",
      access: { type: "restricted", includePlatformDefaults: true, readableRoots: ["/opt/data"] },
      networkAccess: true,
    });
  });

  test("read-only with restricted reads and no platform defaults", () => {
    const policy = parseSandboxPolicy({
      type: "read-only",
      access: { type: "restricted", include_platform_defaults: false, readable_roots: ["/opt/data"] },
    });
    expect(policy.type === "read-only" && policy.access).toEqual({
      type: "restricted",
      includePlatformDefaults: false,
      readableRoots: ["/opt/data"],
    });
  });

  test("workspace-write with every field", () => {
    const policy = parseSandboxPolicy({
      type: "workspace-write",
      writable_roots: ["/a"],
      network_access: false,
      exclude_tmpdir_env_var: true,
      exclude_slash_tmp: true,
      read_only_access: { type: "full-access" },
    });
    expect(policy).toEqual({
      type: "workspace-write",
      writableRoots: ["/a"],
      networkAccess: false,
      excludeTmpdirEnvVar: true,
      excludeSlashTmp: true,
      readOnlyAccess: { type: "full-access" },
    });
  });

  test("workspace-write defaults", () => {
    expect(parseSandboxPolicy({ type: "workspace-write" })).toEqual({
      type: "workspace-write",
      writableRoots: [],
      networkAccess: false,
      excludeTmpdirEnvVar: false,
      excludeSlashTmp: false,
      readOnlyAccess: { type: "full-access" },
    });
  });

  test("external-sandbox, network restricted by default or enabled", () => {
    expect(parseSandboxPolicy({ type: "external-sandbox" })).toEqual({ type: "external-sandbox", networkAccess: "restricted" });
    expect(parseSandboxPolicy({ type: "external-sandbox", network_access: "enabled" })).toEqual({
      type: "external-sandbox",
      networkAccess: "enabled",
    });
  });

  test("the camelCase form is accepted too", () => {
    expect(
      parseSandboxPolicy({ type: "workspace-write", writableRoots: ["/a"], networkAccess: true, excludeSlashTmp: true }),
    ).toMatchObject({ writableRoots: ["/a"], networkAccess: true, excludeSlashTmp: true });
  });

  test("hostile but legal paths are carried exactly", () => {
    const path = '/tmp/a "quoted" (dir); rm -rf /\nnext-line/ünïcødé';
    const policy = parseSandboxPolicy({ type: "workspace-write", writable_roots: [path] });
    expect(policy.type === "workspace-write" && policy.writableRoots).toEqual([path]);
  });
});

describe("parseSandboxPolicy: bad input names the field and the reason", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["not an object", "read-only", /policy: must be a JSON object/],
    ["an array", [], /policy: must be a JSON object/],
    ["missing type", {}, /policy\.type: must have "type" one of/],
    ["unknown type", { type: "sandbox-ish" }, /policy\.type: must have "type" one of "danger-full-access"/],
    ["relative writable root", { type: "workspace-write", writable_roots: ["src"] }, /policy\.writable_roots\[0\]: must be an absolute path/],
    ["relative readable root", { type: "read-only", access: { type: "restricted", readable_roots: ["data"] } }, /policy\.access\.readable_roots\[0\]: must be an absolute path/],
    ["NUL byte in a root", { type: "workspace-write", writable_roots: ["/a\0b"] }, /policy\.writable_roots\[0\]: must not contain NUL bytes/],
    ["writable roots not a list", { type: "workspace-write", writable_roots: "/a" }, /policy\.writable_roots: must be an array of absolute paths/],
    ["root not a string", { type: "workspace-write", writable_roots: [42] }, /policy\.writable_roots\[0\]: must be a string/],
    ["network_access not a boolean", { type: "read-only", network_access: "yes" }, /policy\.network_access: must be a boolean/],
    ["external network_access not a mode", { type: "external-sandbox", network_access: true }, /policy\.network_access: must be "restricted" or "enabled"/],
    ["unknown field", { type: "read-only", network: true }, /policy: unknown field "network"/],
    ["unknown field in access", { type: "read-only", access: { type: "full-access", roots: [] } }, /policy\.access: unknown field "roots"/],
    ["unknown access type", { type: "read-only", access: { type: "partial" } }, /policy\.access\.type: must have "type" "full-access" or "restricted"/],
    ["a field given twice", { type: "read-only", network_access: true, networkAccess: false }, /networkAccess: given twice/],
    ["a field of another variant", { type: "read-only", writable_roots: ["/a"] }, /policy: unknown field "writable_roots"/],
  ];
  test.each(cases)("%s", (_name, input, message) => {
    let caught: unknown;
    try {
      parseSandboxPolicy(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PolicyError);
    expect((caught as PolicyError).code).toBe("ERR_CORDON_POLICY");
    expect((caught as PolicyError).message).toMatch(message);
  });

  test.each([
    [
      "a field given twice names both spellings",
      { type: "read-only", network_access: true, networkAccess: false },
      'invalid sandbox policy: networkAccess: given twice (as "network_access" and "networkAccess")',
    ],
    [
      "a nested field given twice names where it is",
      { type: "workspace-write", read_only_access: { type: "restricted", readableRoots: [], readable_roots: [] } },
      'invalid sandbox policy: read_only_access.readable_roots: given twice (as "readable_roots" and "readableRoots")',
    ],
    [
      "every problem is named, each once, in the model's spelling when the input uses it",
      { type: "workspace-write", writableRoots: ["a", 1], networkAccess: 1, extra: true },
      "invalid sandbox policy: policy.writableRoots[0]: must be an absolute path; policy.writableRoots[1]: must be a string; " +
        'policy.networkAccess: must be a boolean; policy: unknown field "extra"',
    ],
    [
      "a wire key anywhere, even nested, makes the whole message use the wire spelling",
      { type: "workspace-write", readOnlyAccess: { type: "restricted", readable_roots: ["x"] }, excludeSlashTmp: "no" },
      "invalid sandbox policy: policy.exclude_slash_tmp: must be a boolean; policy.read_only_access.readable_roots[0]: must be an absolute path",
    ],
    [
      "an unknown field beside a model key keeps the model spelling",
      { type: "workspace-write", excludeTmpdirEnvVar: true, writable: [] },
      'invalid sandbox policy: policy: unknown field "writable"',
    ],
  ])("%s", (_name, input, message) => {
    expect(() => parseSandboxPolicy(input)).toThrow(new PolicyError(message));
  });

  test("null, and several unknown fields at once, are named as such", () => {
    expect(() => parseSandboxPolicy(null)).toThrow(new PolicyError("invalid sandbox policy: policy: must be a JSON object"));
    expect(() => parseSandboxPolicy({ type: "read-only", a: 1, b: 2 })).toThrow(new PolicyError('invalid sandbox policy: policy: unknown field "a", "b"'));
  });

  test("JSON syntax errors are policy errors too, carrying the parser's error", () => {
    expect(() => parseSandboxPolicyJson("{ type: read-only")).toThrow(/invalid sandbox policy: not JSON/);
    let caught: unknown;
    try {
      parseSandboxPolicyJson("{");
    } catch (error) {
      caught = error;
    }
    expect((caught as PolicyError).cause).toBeInstanceOf(SyntaxError);
  });
});

const absolutePath = fc
  .array(fc.string({ minLength: 1, unit: "grapheme" }).filter((s) => !s.includes("/") && !s.includes("\0")), { maxLength: 4 })
  .map((parts) => `/${parts.join("/")}`);

const readOnlyAccess = fc.oneof(
  fc.constant({ type: "full-access" as const }),
  fc.record({
    type: fc.constant("restricted" as const),
    includePlatformDefaults: fc.boolean(),
    readableRoots: fc.array(absolutePath, { maxLength: 3 }),
  }),
);

const anyPolicy: fc.Arbitrary<SandboxPolicy> = fc.oneof(
  fc.constant({ type: "danger-full-access" as const }),
  fc.record({ type: fc.constant("read-only" as const), access: readOnlyAccess, networkAccess: fc.boolean() }),
  fc.record({
    type: fc.constant("workspace-write" as const),
    writableRoots: fc.array(absolutePath, { maxLength: 3 }),
    networkAccess: fc.boolean(),
    excludeTmpdirEnvVar: fc.boolean(),
    excludeSlashTmp: fc.boolean(),
    readOnlyAccess,
  }),
  fc.record({ type: fc.constant("external-sandbox" as const), networkAccess: fc.constantFrom("restricted" as const, "enabled" as const) }),
);

describe("toCodexJson", () => {
  test("writes the wire form with every default spelled out", () => {
    expect(toCodexJson(parseSandboxPolicy({ type: "workspace-write", writable_roots: ["/a"] }))).toEqual({
      type: "workspace-write",
      writable_roots: ["/a"],
      network_access: false,
      exclude_tmpdir_env_var: false,
      exclude_slash_tmp: false,
      read_only_access: { type: "full-access" },
    });
    expect(
      toCodexJson(parseSandboxPolicy({ type: "read-only", access: { type: "restricted", readable_roots: ["/opt"] } })),
    ).toEqual({
      type: "read-only",
      access: { type: "restricted", include_platform_defaults: true, readable_roots: ["/opt"] },
      network_access: false,
    });
  });

  test("round-trips every policy through JSON text", () => {
    fc.assert(
      fc.property(anyPolicy, (policy) => {
        const wire = JSON.parse(JSON.stringify(toCodexJson(policy)));
        expect(parseSandboxPolicy(wire)).toEqual(policy);
        expect(toCodexJson(parseSandboxPolicy(wire))).toEqual(wire);
      }),
      { numRuns: 300 },
    );
  });
});

describe("access questions", () => {
  test.each([
    [{ type: "danger-full-access" }, true, true, true],
    [{ type: "external-sandbox", network_access: "enabled" }, true, true, true],
    [{ type: "external-sandbox" }, true, true, false],
    [{ type: "read-only" }, true, false, false],
    [{ type: "read-only", network_access: true, access: { type: "restricted" } }, false, false, true],
    [{ type: "workspace-write", read_only_access: { type: "restricted" } }, false, false, false],
  ])("%j: read %s, write %s, network %s", (wire, read, write, network) => {
    const policy = parseSandboxPolicy(wire);
    expect(hasFullDiskReadAccess(policy)).toBe(read);
    expect(hasFullDiskWriteAccess(policy)).toBe(write);
    expect(hasFullNetworkAccess(policy)).toBe(network);
  });
});
