import { seatbeltFragments } from "../../src/seatbelt/fragments.js";
import { parseSExprs } from "../../src/seatbelt/sexpr.js";
import { compact, rulesOf } from "./support.js";

const fragments = seatbeltFragments();

describe("the shipped Seatbelt fragments", () => {
  test("are read once and kept", () => {
    expect(seatbeltFragments()).toBe(fragments);
  });

  test.each(Object.entries(fragments))("%s: every allowance has a comment saying who needs it", (_name: string, text: string) => {
    // A block is a run of non-blank lines; each block with a rule opens with a comment.
    const blocks = text.split(/\n\s*\n/).filter((block) => block.includes("(allow"));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) expect(block.trimStart()).toMatch(/^;/);
  });

  test.each(Object.entries(fragments))("%s: plain ASCII, balanced, and no deny that later sections could not override", (_name: string, text: string) => {
    expect(text).toMatch(/^[\x20-\x7e\n]*$/);
    expect(() => parseSExprs(text)).not.toThrow();
    expect(rulesOf(text).filter((rule) => rule.startsWith("(deny ") && rule !== "(deny default)")).toEqual([]);
  });

  test("the base grants no file reads or writes outside /dev, and no network", () => {
    for (const rule of rulesOf(fragments.base).filter((r) => /^\(allow [^(]*file-/.test(r))) {
      const paths = [...rule.matchAll(/"(\^?\/[^"]*)"/g)].map((m) => m[1]!);
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) expect(path).toMatch(/^\^?\/dev\//);
    }
    expect(fragments.base).not.toMatch(/network-(outbound|inbound|bind)|\(allow system-socket/);
  });

  test("the base has the sysctls and host port Node's os module needs", () => {
    const base = rulesOf(fragments.base).join("\n");
    const nodeOsSysctls = [
      "hw.model",
      "machdep.cpu.brand_string",
      "hw.cpufrequency",
      "hw.ncpu",
      "hw.memsize",
      "kern.boottime",
      "vm.loadavg",
      "kern.hostname",
      "kern.osrelease",
    ];
    for (const name of nodeOsSysctls) {
      expect(base).toContain(`(sysctl-name "${name}")`);
    }
    expect(base).toContain("(allow mach-host*)");
  });

  test("the platform defaults read system paths only: nothing under /Users, /Volumes or a home folder, no file writes", () => {
    const strings: string[] = [];
    const collect = (expr: ReturnType<typeof parseSExprs>[number]): void => {
      if (expr.type === "string") strings.push(expr.value);
      else if (expr.type === "list") expr.items.forEach(collect);
    };
    parseSExprs(fragments.platformDefaults).forEach(collect);
    expect(strings.length).toBeGreaterThan(10);
    for (const path of strings) expect(path).not.toMatch(/^\^?\/(Users|Volumes|home|private\/var\/root)\b|~/);
    for (const form of parseSExprs(fragments.platformDefaults)) {
      const rule = compact(form);
      if (/file-write/.test(rule)) expect(rule).toBe('(allow file-read* file-write-data file-ioctl (literal "/dev/dtracehelper"))');
    }
  });

  test("only the cache fragment takes a parameter", () => {
    for (const [name, text] of Object.entries(fragments)) {
      expect(text.includes("(param ")).toBe(name === "darwinUserCache");
    }
  });
});
