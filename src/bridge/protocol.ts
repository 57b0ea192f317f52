/**
 * The exec bridge wire format (compatible with Codex's zsh exec bridge): one
 * connection per exec, one JSON object per line each way, UTF-8, at most 32 MiB.
 *
 *   → {"type":"exec_request","request_id":"<uuid>","file":"/usr/bin/git","argv":["git","status"],"cwd":"/repo"}
 *   ← {"type":"exec_response","request_id":"<same>","action":"run","reason":null}
 *
 * A request may carry more than Codex's five fields; each addition is
 * optional, so Codex's plain request stays valid: `executable` (the file with
 * symlinks resolved), `interpreter` (a `#!` interpreter or a non-system
 * PT_INTERP), `anonymous` (a memfd or deleted file), `pid`, `environment`
 * (the `NAME=VALUE` variables of the exec's environment the host asked for,
 * none other), and the exact bytes of `file`, `cwd` and each argv and
 * environment element (`file_b64`, `cwd_b64`, `argv_b64`, `environment_b64`)
 * when they are not valid UTF-8; the plain field then holds U+FFFD in place
 * of the invalid bytes.
 */
import { z } from "zod";

/** The longest message line (newline excluded) either side accepts: room for the kernel's largest argument list, base64 twice over. */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

const text = z.string().refine((s) => !s.includes("\0"), { error: "must not contain NUL characters" });
const nonEmpty = text.refine((s) => s.length > 0, { error: "must not be empty" });
const absolute = text.refine((s) => s.startsWith("/"), { error: "must be an absolute path" });

/**
 * Canonical base64 of bytes without NUL: what a C string's exact bytes encode
 * to. Node's decoder is lenient (`Linull==` decodes, its unused bits dropped),
 * so the bytes judged are only those that encode back to exactly the text sent.
 */
const exactBytes = z.string().transform((encoded, context) => {
  const bytes = Buffer.from(encoded, "base64");
  if (bytes.toString("base64") !== encoded) {
    context.addIssue({ code: "custom", message: "must be canonical base64 (padded, unused bits zero)" });
    return z.NEVER;
  }
  if (bytes.includes(0)) {
    context.addIssue({ code: "custom", message: "must not encode a NUL byte" });
    return z.NEVER;
  }
  return bytes;
});

/** An exec_request, or (in a session) an exec_record: the same members, for an exec the supervisor answered itself. */
const execMessageSchema = <T extends "exec_request" | "exec_record">(type: T) =>
  z
  .strictObject({
    type: z.literal(type),
    request_id: nonEmpty,
    file: nonEmpty,
    argv: z.array(text).min(1, { error: "must hold at least argv[0]" }),
    cwd: absolute,
    executable: absolute.optional(),
    interpreter: absolute.nullable().optional(),
    anonymous: z.boolean().optional(),
    pid: z.number().int().positive().optional(),
    file_b64: exactBytes.optional(),
    cwd_b64: exactBytes.optional(),
    argv_b64: z.array(exactBytes).optional(),
    environment: z.array(text.refine((entry) => entry.indexOf("=") > 0, { error: "must be NAME=VALUE" })).optional(),
    environment_b64: z.array(exactBytes).optional(),
  })
  .refine((message) => message.argv_b64 === undefined || message.argv_b64.length === message.argv.length, {
    error: "must hold one element per argv element",
    path: ["argv_b64"],
  })
  .refine(
    (message) => message.environment_b64 === undefined || message.environment_b64.length === message.environment?.length,
    { error: "must hold one element per environment element", path: ["environment_b64"] },
  )
  .refine((message) => message.file_b64 === undefined || message.file_b64.length > 0, { error: "must not be empty", path: ["file_b64"] })
  .refine((message) => message.cwd_b64 === undefined || message.cwd_b64[0] === 0x2f, {
    error: "must be an absolute path",
    path: ["cwd_b64"],
  });

export const execRequestSchema = execMessageSchema("exec_request");
export type ExecRequestMessage = z.infer<typeof execRequestSchema>;

/**
 * A session's lines from the supervisor (native/exec-wire/wire.h): after the
 * hello, requests to answer and records of execs it answered itself from a
 * kept decision, in the order the execs reached it.
 */
export const sessionHelloSchema = z.strictObject({ type: z.literal("exec_session"), version: z.literal(1) });
const execRecordSchema = execMessageSchema("exec_record");
export type SessionLineMessage = ExecRequestMessage | z.infer<typeof execRecordSchema>;

/** Tells a session's supervisor to drop every kept decision. */
export const EXEC_FORGET_LINE = `${JSON.stringify({ type: "exec_forget" })}\n`;

export const execResponseSchema = z.strictObject({
  type: z.literal("exec_response"),
  request_id: z.string(),
  action: z.enum(["run", "deny"]),
  reason: z.string().nullable().default(null),
  // cordon's addition: a deny that also ends the whole run (a person answered abort).
  abort: z.boolean().optional(),
  // cordon's addition, in sessions only: a run that holds for every exec of the same program in the run.
  cache: z.literal("program").nullable().optional(),
});
export type ExecResponseMessage = z.infer<typeof execResponseSchema>;

/** Either the parsed message or what is wrong with the line, for an error event. */
export type Parsed<T> = { ok: true; message: T } | { ok: false; kind: "bad-json" | "bad-shape"; problem: string };

function parseLine<T>(line: string, schema: z.ZodType<T>): Parsed<T> {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    return { ok: false, kind: "bad-json", problem: `not JSON: ${(error as Error).message}` };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, message: result.data };
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.join(".") : "the message";
  return { ok: false, kind: "bad-shape", problem: `${where}: ${issue.message}` };
}

export function parseExecRequestLine(line: string): Parsed<ExecRequestMessage> {
  return parseLine(line, execRequestSchema);
}

/** A session's line: checked against the one schema its type names (records outnumber requests in a build). */
export function parseSessionLine(line: string): Parsed<SessionLineMessage> {
  return line.startsWith('{"type":"exec_record"') ? parseLine(line, execRecordSchema) : parseLine(line, execRequestSchema);
}

/** Whether a connection's first line opens a session rather than asking about one exec. */
export function isSessionHello(line: string): boolean {
  return parseLine(line, sessionHelloSchema).ok;
}

export function parseExecResponseLine(line: string): Parsed<ExecResponseMessage> {
  return parseLine(line, execResponseSchema);
}

/** A request_id to echo in a deny for a line that did not parse, when one can be read from it. */
export function salvageRequestId(line: string): string | null {
  try {
    const json: unknown = JSON.parse(line);
    const id = (json as { request_id?: unknown } | null)?.request_id;
    return typeof id === "string" ? id : null;
  } catch {
    return null;
  }
}

/**
 * Codex's plain request: what a wrapper, which knows no more than its own
 * arguments, sends; with the variables the host asked for when there are any.
 */
export function encodeExecRequest(request: {
  requestId: string;
  file: string;
  argv: readonly string[];
  cwd: string;
  environment?: readonly string[];
}): string {
  return `${JSON.stringify({
    type: "exec_request",
    request_id: request.requestId,
    file: request.file,
    argv: [...request.argv],
    cwd: request.cwd,
    ...(request.environment === undefined ? {} : { environment: [...request.environment] }),
  })}\n`;
}

/**
 * `requestId` is null when the request could not be read; the reply then
 * answers no request. `abort` (a deny that ends the whole run) and `cache`
 * (a run the supervisor may keep; sessions only) are added only when set, so
 * every other reply is exactly Codex's.
 */
export function encodeExecResponse(
  requestId: string | null,
  action: "run" | "deny",
  reason: string | null,
  { abort = false, cache = false }: { abort?: boolean; cache?: boolean } = {},
): string {
  return `${JSON.stringify({
    type: "exec_response",
    request_id: requestId,
    action,
    reason,
    ...(abort && action === "deny" ? { abort } : {}),
    ...(cache && action === "run" ? { cache: "program" } : {}),
  })}\n`;
}
