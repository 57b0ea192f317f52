/**
 * Commands whose arguments are not all UTF-8 text. Node hands `spawn` only
 * strings, which it encodes as UTF-8, so bytes that are not UTF-8 cannot
 * reach a program that way. Such a command is started through `/bin/sh`
 * with a script that rebuilds those arguments from printf escapes and execs
 * the program: the shell reads only the script cordon wrote, never the
 * arguments as code, and the program gets exactly the bytes it was given.
 */

/** One argument: text, or its exact bytes. */
export type CommandArgument = string | Buffer;

/** The POSIX shell the exact arguments are rebuilt by. */
export const EXACT_ARGUMENTS_SHELL = "/bin/sh";

/** The most one argument may hold on Linux (MAX_ARG_STRLEN): a longer script cannot be passed. */
const MAX_ARGUMENT_BYTES = 128 * 1024;

/** `bytes` when they are not exactly a string's UTF-8, else null. */
export function inexactBytes(argument: CommandArgument): Buffer | null {
  if (typeof argument === "string") return null;
  return argument.equals(Buffer.from(argument.toString("utf8"))) ? null : argument;
}

// Bytes that are themselves inside single quotes and in a printf format: all
// printable ASCII but the quote, % and the backslash.
function isLiteral(byte: number): boolean {
  return byte >= 0x20 && byte <= 0x7e && byte !== 0x27 && byte !== 0x25 && byte !== 0x5c;
}

/** A printf format (inside single quotes) that prints exactly `bytes`; never one printf could take for an option. */
function printfFormat(bytes: Buffer): string {
  let format = "";
  bytes.forEach((byte, i) => {
    const literal = isLiteral(byte) && !(i === 0 && byte === 0x2d);
    format += literal ? String.fromCharCode(byte) : `\\${byte.toString(8).padStart(3, "0")}`;
  });
  return format;
}

/**
 * The command, as strings, that runs `command` with every argument exactly
 * as given: the command itself when all of it is text; otherwise
 * `/bin/sh -c SCRIPT sh ARG...`, where each argument that is not text is
 * passed empty and rebuilt by SCRIPT before it execs the program (argv[0]
 * as given, looked up in PATH as execvp does; 126 and 127 as a shell
 * reports them). Throws a RangeError when the script would not fit in one
 * argument. Pure.
 */
export function exactCommand(command: readonly CommandArgument[]): string[] {
  const inexact = command.map(inexactBytes);
  if (inexact.every((bytes) => bytes === null)) {
    return command.map((argument) => (typeof argument === "string" ? argument : argument.toString("utf8")));
  }
  // `for` walks the arguments as they were when it started, while each pass
  // appends one (rebuilt where needed); the originals are shifted off after.
  const cases = inexact
    .map((bytes, i) => (bytes === null ? null : `${i + 1}) a=$(printf '${printfFormat(bytes)}x'); a=\${a%x} ;;`))
    .filter((line) => line !== null);
  const script = [
    "n=0",
    "for a do",
    "  n=$((n + 1))",
    "  case $n in",
    ...cases.map((line) => `    ${line}`),
    "  esac",
    '  set -- "$@" "$a"',
    "done",
    `shift ${command.length}`,
    'exec "$@"',
  ].join("\n");
  if (Buffer.byteLength(script) >= MAX_ARGUMENT_BYTES) {
    throw new RangeError(`the arguments that are not UTF-8 are too long to be carried exactly (${Buffer.byteLength(script)} bytes of script)`);
  }
  const passed = command.map((argument, i) => (inexact[i] !== null ? "" : typeof argument === "string" ? argument : argument.toString("utf8")));
  return [EXACT_ARGUMENTS_SHELL, "-c", script, "sh", ...passed];
}
