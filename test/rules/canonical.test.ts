/** Canonical command forms: grammars as data, command_grammar in rules files, the combined evaluation, git aliases. */
import { readFileSync } from "node:fs";
import {
  RulesError,
} from "../../src/errors.js";
import {
  canonicalForms,
  canonicalReadings,
  dashedReading,
  commandGrammarsPath,
  defaultRulesPath,
  definesCargoAlias,
  definesGitAlias,
  evaluate,
  evaluateCommand,
  grammarName,
  expectPolicy,
  isDangerousCommand,
  isKnownSafeCommand,
  loadPolicy,
  mergePolicies,
  parseRules,
  policyFromJson,
  printRules,
  shippedGrammars,
  type CommandGrammar,
  type ExecPolicy,
} from "../../src/rules/index.js";
import { createApprovalDecider } from "../../src/approval/index.js";

const grammar = (fields: Partial<CommandGrammar>): CommandGrammar => ({
  program: "tool",
  optionsWithValue: [],
  flags: [],
  flagPrefixes: [],
  interspersed: false,
  dashedSubcommands: false,
  ...fields,
});

const forms = (g: CommandGrammar, command: string[]) => canonicalReadings(g, command).map((reading) => reading.form);

let shipped: ExecPolicy;
beforeAll(async () => {
  shipped = await loadPolicy([defaultRulesPath]);
});

describe("canonical readings", () => {
  const git = grammar({ program: "git", optionsWithValue: ["-C", "--git-dir"], flags: ["-P", "--exec-path"] });

  test.each([
    [["git", "-C", "dir", "push", "origin"], ["git", "push", "origin"]],
    [["git", "-Cdir", "push"], ["git", "push"]],
    [["git", "-C=dir", "push"], ["git", "push"]],
    [["git", "--git-dir", "x", "push"], ["git", "push"]],
    [["git", "--git-dir=x", "push"], ["git", "push"]],
    [["git", "-P", "--exec-path=/x", "push"], ["git", "push"]],
    [["git", "push", "-C", "x"], ["git", "push", "-C", "x"]],
    [["git", "--", "push"], ["git", "push"]],
    [["git", "-C"], ["git"]],
  ])("%j reads as %j", (command, form) => {
    expect(forms(git, command)).toEqual([form]);
  });

  test("an option the grammar does not know is read both ways: as a flag, and as taking the next word", () => {
    expect(forms(git, ["git", "--mystery", "x", "push"])).toEqual([["git", "x", "push"], ["git", "push"]]);
    expect(forms(git, ["git", "--mystery=x", "push"])).toEqual([["git", "push"]]);
  });

  test("readings stay linear in the number of unknown options", () => {
    const command = ["git", ...Array.from({ length: 2000 }, () => "--unknown"), "push"];
    expect(canonicalReadings(git, command).length).toBeLessThanOrEqual(2);
  });

  test("flag prefixes, and options anywhere for interspersed grammars", () => {
    expect(forms(grammar({ flagPrefixes: ["+"] }), ["tool", "+nightly", "publish"])).toEqual([["tool", "publish"]]);
    expect(forms(grammar({ flagPrefixes: ["+"] }), ["tool", "+", "publish"])).toEqual([["tool", "+", "publish"]]);
    const cobra = grammar({ optionsWithValue: ["-R"], interspersed: true });
    expect(forms(cobra, ["tool", "pr", "-R", "o/r", "merge", "1"])).toEqual([["tool", "pr", "merge", "1"]]);
    expect(forms(cobra, ["tool", "pr", "--", "-R", "x"])).toEqual([["tool", "pr", "--", "-R", "x"]]);
  });

  test("a dashed program reads as its program and subcommand, in the same directory", () => {
    expect(canonicalForms(shipped, ["git-push", "origin"])).toEqual([["git", "push", "origin"]]);
    expect(canonicalForms(shipped, ["/usr/lib/git-core/git-remote-add", "x"])).toEqual([["/usr/lib/git-core/git", "remote-add", "x"]]);
    expect(canonicalForms(shipped, ["git-"])).toEqual([]);
    expect(canonicalForms(shipped, ["npm-publish"])).toEqual([]);
    expectPolicy(shipped).toDecide(["/usr/lib/git-core/git-push", "origin", "main"], "prompt");
    const hosts = mergePolicies(shipped, parseRules('host_executable(name = "git", paths = ["/usr/bin/git"])', "h.rules"));
    expectPolicy(hosts).toDecide(["/tmp/git-push"], "none");
    expectPolicy(hosts).toDecide(["/usr/bin/git-push"], "prompt");
  });

  test("the program is kept as written, and an absolute program uses its basename's grammar", () => {
    expect(canonicalForms(shipped, ["/usr/bin/git", "-C", ".", "push"])).toEqual([["/usr/bin/git", "push"]]);
    expect(canonicalForms(shipped, ["git", "push"])).toEqual([]);
    expect(canonicalForms(shipped, ["ls", "-la"])).toEqual([]);
    expect(canonicalForms(shipped, ["./git", "-C", ".", "push"])).toEqual([["./git", "push"]]);
    expect(grammarName("./git")).toBe("git");
    expect(grammarName("git")).toBe("git");
  });

  test("interspersed = False keeps options after the subcommand; True drops the known ones", () => {
    const withFlag = (interspersed: string) =>
      parseRules(`command_grammar(program = "t", flags = ["-q"], interspersed = ${interspersed})`, "t.rules");
    expect(canonicalForms(withFlag("False"), ["t", "sub", "-q", "x"])).toEqual([]);
    expect(canonicalForms(withFlag("True"), ["t", "sub", "-q", "x"])).toEqual([["t", "sub", "x"]]);
  });

  test("an interspersed grammar drops its options in every spelling: --name=value, -Xvalue and a flag with a value", () => {
    const tool = parseRules(
      'command_grammar(program = "t", options_with_value = ["--profile", "-C"], flags = ["--color"], interspersed = True)',
      "t.rules",
    );
    expect(canonicalForms(tool, ["t", "sub", "--profile=dev", "-Cdir", "--color=auto", "x"])).toEqual([["t", "sub", "x"]]);
    expect(canonicalForms(tool, ["t", "sub", "--other=1", "-Xdir", "x"])).toEqual([]);
  });

  test("a lone - is an argument, not an option", () => {
    expect(canonicalReadings(shippedGrammars().get("git")!, ["git", "-", "push"])).toEqual([{ subcommandIndex: 1, form: ["git", "-", "push"] }]);
  });

  test("an empty command has no readings", () => {
    expect(dashedReading([], () => undefined)).toBeNull();
    expect(canonicalForms(shipped, [])).toEqual([]);
  });
});

describe("the shipped grammars", () => {
  test("every program the shipped rules name with a subcommand has one; the others are named in the file", () => {
    const text = readFileSync(commandGrammarsPath, "utf8");
    for (const program of shipped.rulesByProgram.keys()) {
      if (!shippedGrammars().has(program)) expect(text).toMatch(new RegExp(`^#.*\\b${program.replace(/\./g, "\\.")}\\b`, "m"));
    }
    for (const program of ["git", "npm", "docker", "kubectl", "terraform", "cargo", "gh", "pnpm", "yarn", "gem", "twine", "podman"]) {
      expect(shippedGrammars().has(program)).toBe(true);
    }
  });

  test("load as a rules file too", async () => {
    const policy = await loadPolicy([commandGrammarsPath]);
    expect(policy.grammars.get("terraform")?.optionsWithValue).toEqual(["-chdir"]);
  });
});

describe("command_grammar in rules files", () => {
  const text = `
command_grammar(program = "mytool", options_with_value = ["-C", "--profile"], flags = ["-q"], flag_prefixes = ["@"], interspersed = True)
prefix_rule(pattern = ["mytool", "deploy"], decision = "prompt", match = ["mytool -C . deploy", "mytool @eu --profile=x -q deploy"],
            not_match = ["mytool -C deploy status"])
`;

  test("declares a program's global options; examples are checked with canonical forms", () => {
    const policy = parseRules(text, "mine.rules");
    expectPolicy(policy).toDecide(["mytool", "--profile", "prod", "deploy"], "prompt");
    expectPolicy(policy).toDecide(["mytool", "status"], "none");
    expect(evaluate(policy, ["mytool", "-C", ".", "deploy"]).decision).toBeUndefined();
  });

  test("a file's grammar replaces the shipped one for its program", () => {
    const policy = parseRules('command_grammar(program = "git", flags = ["-P"])\nprefix_rule(pattern = ["git", "push"], decision = "prompt")', "g.rules");
    expect(evaluateCommand(policy, ["git", "-P", "push"]).decision).toBe("prompt");
    expect(canonicalForms(policy, ["git", "--no-pager", "push"])).toEqual([["git", "push"], ["git"]]);
    expect(canonicalForms(policy, ["git", "-C", "x", "push"])).toEqual([["git", "x", "push"], ["git", "push"]]);
  });

  test("the JSON form says the same, and prints back to rules text", () => {
    const document = {
      commandGrammars: [{ program: "mytool", optionsWithValue: ["-C"], flags: ["-q"], flagPrefixes: ["@"], interspersed: true }],
      prefixRules: [{ pattern: ["mytool", "deploy"], decision: "prompt" as const, match: ["mytool -q -C x deploy"] }],
    };
    const policy = policyFromJson(document);
    expect(evaluateCommand(policy, ["mytool", "@eu", "deploy"]).decision).toBe("prompt");
    const printed = printRules(document);
    expect(printed).toContain('command_grammar(program = "mytool", options_with_value = ["-C"], flags = ["-q"], flag_prefixes = ["@"], interspersed = True)');
    expect(parseRules(printed, "printed.rules").grammars.get("mytool")).toEqual(policy.grammars.get("mytool"));
  });

  test.each([
    ['command_grammar(flags = ["-q"])', "g.rules:1:1: invalid rule: command_grammar needs a program"],
    ['command_grammar(program = "/usr/bin/git")', 'g.rules:1:27: invalid rule: command_grammar program must be a bare executable name (got "/usr/bin/git")'],
    ['command_grammar(program = "x", flags = "-q")', "g.rules:1:40: invalid rule: command_grammar flags must be a list (got string)"],
    ['command_grammar(program = "x", flags = ["q"])', 'g.rules:1:40: invalid rule: command_grammar flags must be option names such as -P or --no-pager (got "q")'],
    ['command_grammar(program = "x", options_with_value = ["--a=b"])', 'g.rules:1:53: invalid rule: command_grammar options_with_value must be option names such as -C or --git-dir (got "--a=b")'],
    ['command_grammar(program = "x", flag_prefixes = ["-"])', 'g.rules:1:48: invalid rule: command_grammar flag_prefixes must be non-empty prefixes that do not start with - (got "-")'],
    ['command_grammar(program = "x", flags = ["-a"], options_with_value = ["-a"])', "g.rules:1:40: invalid rule: command_grammar lists -a both as a flag and as an option with a value"],
    ['command_grammar(program = "x", interspersed = "yes")', 'g.rules:1:47: invalid rule: command_grammar interspersed must be True or False (got string)'],
    ['command_grammar(program = "x", dashed_subcommands = ["x"])', "g.rules:1:53: invalid rule: command_grammar dashed_subcommands must be True or False (got list)"],
    ['command_grammar(program = "x", options = ["-a"])', "g.rules:1:32: command_grammar() got an unexpected argument options (expected program, options_with_value, flags, flag_prefixes, interspersed, dashed_subcommands)"],
    ['prefix_rule(pattern = ["x"], decision = True)', 'g.rules:1:41: invalid decision: expected a string (got boolean)'],
  ])("%s is refused", (rules, message) => {
    expect(() => parseRules(rules, "g.rules")).toThrow(new RulesError(message));
  });

  test("a not_match example that matches in a canonical form fails to load", () => {
    expect(() => parseRules('prefix_rule(pattern = ["git", "push"], not_match = ["git -C . push"])', "n.rules")).toThrow(
      new RulesError('n.rules:1:52: not_match example "git -C . push" matches prefix_rule(pattern = ["git", "push"], decision = "allow")'),
    );
  });
});

describe("the combined evaluation", () => {
  test("an empty command has no readings, no forms and no matches", () => {
    const policy = parseRules('prefix_rule(pattern = ["git"], decision = "prompt")', "git.rules");
    expect(evaluateCommand(policy, [])).toStrictEqual({ matchedRules: [], canonicalForms: [] });
  });

  test("every rule matching either form counts, once, and the strictest wins", () => {
    const policy = parseRules(
      'prefix_rule(pattern = ["git", "-C"], decision = "allow")\nprefix_rule(pattern = ["git", "push"], decision = "forbidden")',
      "s.rules",
    );
    const combined = evaluateCommand(policy, ["git", "-C", ".", "push"]);
    expect(combined.decision).toBe("forbidden");
    expect(combined.matchedRules.map((m) => m.prefixRuleMatch.matchedPrefix)).toEqual([["git", "-C"], ["git", "push"]]);
    expect(evaluate(policy, ["git", "-C", ".", "push"]).decision).toBe("allow");
    expect(evaluateCommand(policy, ["git", "push", "-C", "."]).matchedRules).toHaveLength(1);
  });

  test("the heuristics read git's global options through the shipped grammar", () => {
    expect(isDangerousCommand(["git", "--no-pager", "reset", "--hard"])).toBe(true);
    expect(isDangerousCommand(["git", "--mystery", "clean", "-fdx"])).toBe(true);
    expect(isKnownSafeCommand(["git", "-P", "status"])).toBe(true);
    expect(isKnownSafeCommand(["git", "--mystery", "push", "status"])).toBe(false);
  });
});

describe("git aliases the command defines", () => {
  const env = (entries: Record<string, string>) => new Map(Object.entries(entries));

  test.each([
    [["git", "-c", "alias.p=push", "p"], {}],
    [["git", "-c", "ALIAS.P=push", "p"], {}],
    [["git", "-c", "alias.p", "p"], {}],
    [["git", "--config-env=alias.p=X", "p"], {}],
    [["git", "--config-env", "alias.p=X", "p"], {}],
    [["git", "p"], { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "alias.p" }],
    [["git", "p"], { GIT_CONFIG_COUNT: "2", GIT_CONFIG_KEY_0: "user.name", GIT_CONFIG_KEY_1: "alias.P" }],
    [["git", "p"], { GIT_CONFIG_PARAMETERS: "'alias.p'='push'" }],
    [["git", "p"], { GIT_CONFIG_PARAMETERS: "'user.name'='x' 'alias.p=push'" }],
    [["git", "it\u2019s"], { GIT_CONFIG_PARAMETERS: "'alias.it\u2019s'='push'" }],
    [["git", "o'k"], { GIT_CONFIG_PARAMETERS: "'alias.o'\\''k'='push'" }],
    [["git", "p"], { GIT_CONFIG_PARAMETERS: "alias.p=push" }],
    [["git", "p"], { GIT_CONFIG_PARAMETERS: "alias\\.p=push" }],
    [["git", "p"], { GIT_CONFIG_COUNT: " 1 ", GIT_CONFIG_KEY_0: "alias.p" }],
    [["git", "p"], { GIT_CONFIG_COUNT: "10", GIT_CONFIG_KEY_0: "alias.p" }],
  ])("%j with %j is an alias", (command, environment) => {
    expect(definesGitAlias(command, command.length - 1, env(environment))).toBe(true);
  });

  test.each([
    [["git", "-c", "alias.p=push", "status"], {}],
    [["git", "-c", "alias.pp=push", "p"], {}],
    [["git", "p", "-c", "alias.p=push"], {}],
    [["git", "p"], { GIT_CONFIG_KEY_0: "alias.p" }],
    [["git", "p"], { GIT_CONFIG_COUNT: "0", GIT_CONFIG_KEY_0: "alias.p" }],
    [["git", "p"], { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_1: "alias.p" }],
    [["git", "p"], { GIT_CONFIG_PARAMETERS: "'alias.p" }],
    [["git", "p"], { GIT_CONFIG_PARAMETERS: "'user.alias.p'='push'" }],
    [["git", "p"], { GIT_CONFIG_PARAMETERS: "'alias.p'='push' \\" }],
    [["git", "p"], { GIT_CONFIG_COUNT: "1x", GIT_CONFIG_KEY_0: "alias.p" }],
    [["git", "p"], { GIT_CONFIG_COUNT: "x1", GIT_CONFIG_KEY_0: "alias.p" }],
  ])("%j with %j is not", (command, environment) => {
    expect(definesGitAlias(command, 1 + command.indexOf("p") - 1, env(environment))).toBe(false);
  });

  test("an alias route needs approval whatever the rules say; other subcommands are judged by the rules alone", () => {
    const allowAll = parseRules('prefix_rule(pattern = ["git"], decision = "allow")', "a.rules");
    const aliased = evaluateCommand(allowAll, ["git", "-c", "alias.p=push", "p", "origin"]);
    expect(aliased.decision).toBe("prompt");
    expect(aliased.matchedRules[1]!.prefixRuleMatch.matchedPrefix).toEqual(["git", "p"]);
    expect(evaluateCommand(allowAll, ["git", "-c", "alias.p=push", "status"]).decision).toBe("allow");
    expect(evaluateCommand(allowAll, ["git", "frobnicate"]).decision).toBe("allow");
    const viaEnvironment = { resolveHostExecutables: true, environment: env({ GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "alias.p" }) };
    expect(evaluateCommand(shipped, ["/usr/bin/git", "p"], viaEnvironment).decision).toBe("prompt");
    expect(evaluateCommand(shipped, ["/usr/bin/git", "p"], { resolveHostExecutables: true }).decision).toBeUndefined();
    expectPolicy(shipped, viaEnvironment).toDecide(["git", "p"], "prompt");
  });

  test.each([
    [["cargo", "--config", 'alias.p="publish"', "p"], {}, true],
    [["cargo", "--config", "alias . p = ['publish']", "p"], {}, true],
    [["cargo", '--config="alias"."p"=["publish"]', "p"], {}, true],
    [["cargo", "+nightly", "ship-it"], { CARGO_ALIAS_SHIP_IT: "publish" }, true],
    [["cargo", "--config", "./aliases.toml", "p"], {}, false],
    [["cargo", "--config", "alias.pp=publish", "p"], {}, false],
    [["cargo", "p"], { CARGO_ALIAS_PP: "publish" }, false],
  ])("cargo: %j with %j defines an alias: %s", (command, environment, defined) => {
    const evaluation = evaluateCommand(shipped, command, { environment: env(environment) });
    expect(evaluation.decision === "prompt").toBe(defined);
  });

  test("the approval decider asks about an alias the exec's environment defines", async () => {
    const decide = createApprovalDecider({ policy: shipped, approvalPolicy: "on-request" });
    const exec = { requestId: "r", file: "/usr/bin/git", argv: ["git", "p", "origin"], cwd: "/" };
    expect((await decide(exec)).action).toBe("run");
    const aliased = await decide({ ...exec, environment: env({ GIT_CONFIG_PARAMETERS: "'alias.p'='push'" }) });
    expect(aliased).toMatchObject({ action: "deny", reason: "Execution needs approval, but there is no one to ask" });
    expect(aliased.justification).toMatch(/alias/);
    expect((await decide({ ...exec, argv: ["git", "-C", ".", "push"] })).action).toBe("deny");
  });
});

describe("a policy is a value", () => {
  test("its rules, hosts, network rules and grammars, down to each list, cannot be changed afterwards", () => {
    const policy = parseRules(
      [
        'prefix_rule(pattern = ["t", "x"], decision = "prompt")',
        'host_executable(name = "t", paths = ["/usr/bin/t"])',
        'command_grammar(program = "t", options_with_value = ["-C"], flags = ["-q"], flag_prefixes = ["@"])',
      ].join("\n"),
      "value.rules",
    );
    const grammar = policy.grammars.get("t")!;
    for (const value of [policy, policy.networkRules, policy.hostExecutables.get("t"), policy.rulesByProgram.get("t"), grammar]) {
      expect(Object.isFrozen(value)).toBe(true);
    }
    for (const list of [grammar.optionsWithValue, grammar.flags, grammar.flagPrefixes]) expect(Object.isFrozen(list)).toBe(true);
    expect(grammar).toMatchObject({ optionsWithValue: ["-C"], flags: ["-q"], flagPrefixes: ["@"] });
  });
});

describe("cargo aliases the command defines", () => {
  test.each([
    [["cargo", "--config", 'alias.p="publish"', "p"], true],
    [["cargo", "--config=alias.p=\"publish\"", "p"], true],
    [["cargo", "--config", '"alias" . "p" = "publish"', "p"], true],
    [["cargo", "--config", "alias.'pp'='publish'", "pp"], true],
    [["cargo", "--config", "alias.pq", "p"], false],
    [["cargo", "--config", 'alias.x"p"=y', "xp"], false],
    [["cargo", "--config", "alias.x'p'=y", "xp"], false],
    [["cargo", "--config", 'alias."p"x=y', "px"], false],
    [["cargo", "--config", "alias.'p'x=y", "px"], false],
    [["cargo", "p", "--config", "alias.p=y"], false],
  ])("%j defines its subcommand as an alias: %s", (command, defined) => {
    const subcommand = command[1] === "p" ? 1 : command.length - 1;
    expect(definesCargoAlias(command, subcommand)).toBe(defined);
  });

  test("CARGO_ALIAS_<NAME> in cargo's spelling; an empty subcommand is never an alias", () => {
    expect(definesCargoAlias(["cargo", "my-p"], 1, new Map([["CARGO_ALIAS_MY_P", "publish"]]))).toBe(true);
    expect(definesCargoAlias(["cargo", ""], 1, new Map([["CARGO_ALIAS_", "publish"]]))).toBe(false);
    expect(definesGitAlias(["git", ""], 1, new Map([["GIT_CONFIG_COUNT", "1"], ["GIT_CONFIG_KEY_0", "alias."]]))).toBe(false);
  });
});
