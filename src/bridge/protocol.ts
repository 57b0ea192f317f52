/**
 * The exec bridge wire format (compatible with Codex's zsh exec bridge): one
 * connection per exec, one JSON object per line each way, UTF-8, at most 1 MiB.
 *
 *   → {"type":"exec_request","request_id":"<uuid>","file":"/usr/bin/git","argv":["git","status"],"cwd":"/repo"}
 *   ← {"type":"exec_response","request_id":"<same>","action":"run","reason":null}
 */
import { z } from "zod";

/** The longest message line (newline excluded) either side accepts. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

const text = z.string().refine((s) => !s.includes("\0"), { error: "must not contain NUL characters" });

export const execRequestSchema = z.strictObject({
  type: z.literal("exec_request"),
  request_id: text.refine((s) => s.length > 0, { error: "must not be empty" }),
  file: text.refine((s) => s.length > 0, { error: "must not be empty" }),
  argv: z.array(text).min(1, { error: "must hold at least argv[0]" }),
  cwd: text.refine((s) => s.startsWith("/"), { error: "must be an absolute path" }),
});
export type ExecRequestMessage = z.infer<typeof execRequestSchema>;

export const execResponseSchema = z.strictObject({
  type: z.literal("exec_response"),
  request_id: z.string(),
  action: z.enum(["run", "deny"]),
  reason: z.string().nullable().default(null),
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

export function encodeExecRequest(request: { requestId: string; file: string; argv: readonly string[]; cwd: string }): string {
  const message: ExecRequestMessage = {
    type: "exec_request",
    request_id: request.requestId,
    file: request.file,
    argv: [...request.argv],
    cwd: request.cwd,
  };
  return `${JSON.stringify(message)}\n`;
}

/** `requestId` is null when the request could not be read; the reply then answers no request. */
export function encodeExecResponse(requestId: string | null, action: "run" | "deny", reason: string | null): string {
  return `${JSON.stringify({ type: "exec_response", request_id: requestId, action, reason })}\n`;
}
