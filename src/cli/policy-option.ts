/** `--policy FILE` (or `-` for stdin): the sandbox policy a command runs under. */
import { readFile } from "node:fs/promises";
import type { Readable } from "node:stream";
import { PolicyError } from "../errors.js";
import { parseSandboxPolicyJson, READ_ONLY_POLICY, type SandboxPolicy } from "../policy/index.js";

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** Reads and validates the policy; without `--policy` the default is read-only. */
export async function loadPolicyOption(file: string | undefined, stdin: Readable): Promise<SandboxPolicy> {
  if (file === undefined) return READ_ONLY_POLICY;
  let text: string;
  try {
    text = file === "-" ? await readAll(stdin) : await readFile(file, "utf8");
  } catch (error) {
    throw new PolicyError(`cannot read policy file ${file}: ${(error as Error).message}`, { cause: error });
  }
  return parseSandboxPolicyJson(text);
}
