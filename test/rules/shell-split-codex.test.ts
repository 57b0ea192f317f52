/**
 * The bash splitter against Codex's own cases (codex-rs/shell-command/src/bash.rs,
 * its `tests` module): same scripts, same expected commands. Each test names
 * the Codex test it follows.
 */
import {
  heredocCommandPrefix,
  initShellParser,
  isDangerousCommand,
  isKnownSafeCommand,
  splitShellCommand,
  splitShellScript,
} from "../../src/rules/index.js";

beforeAll(() => initShellParser());

describe("plain scripts (Codex bash.rs tests)", () => {
  test("accepts_double_quoted_strings_with_newlines: the newline inside the quotes is kept", () => {
    expect(splitShellScript('git commit -m "line1\nline2"')).toEqual([["git", "commit", "-m", "line1\nline2"]]);
  });

  test("accepts_double_quoted_strings_with_newlines, through bash -lc", () => {
    expect(splitShellCommand(["bash", "-lc", 'git commit -m "line1\nline2"'])).toEqual([
      ["git", "commit", "-m", "line1\nline2"],
    ]);
  });

  test("accepts_single_simple_command", () => {
    expect(splitShellScript("ls -1")).toEqual([["ls", "-1"]]);
  });

  test("accepts_multiple_commands_with_allowed_operators", () => {
    expect(splitShellScript("ls && pwd; echo 'hi there' | wc -l")).toEqual([["ls"], ["pwd"], ["echo", "hi there"], ["wc", "-l"]]);
  });

  test("accepts_mixed_quote_concatenation", () => {
    expect(splitShellScript(`echo "/usr"'/'"local"/bin`)).toEqual([["echo", "/usr/local/bin"]]);
    expect(splitShellScript(`echo '/usr'"/"'local'/bin`)).toEqual([["echo", "/usr/local/bin"]]);
  });

  test("accepts_concatenated_flag_with_single_quotes", () => {
    expect(splitShellScript("grep -n 'pattern' -g'*.txt'")).toEqual([["grep", "-n", "pattern", "-g*.txt"]]);
  });

  test("accepts_concatenated_flag_and_value", () => {
    expect(splitShellScript('rg -n "foo" -g"*.py"')).toEqual([["rg", "-n", "foo", "-g*.py"]]);
  });

  test.each([
    ["rejects_double_quoted_strings_with_expansions", 'echo "hi ${USER}"'],
    ["rejects_double_quoted_strings_with_expansions", 'echo "$HOME"'],
    ["rejects_concatenation_with_variable_substitution", 'rg -g"$VAR" pattern'],
    ["rejects_concatenation_with_command_substitution", 'rg -g"$(pwd)" pattern'],
    ["rejects_empty_command_position_with_leading_operator", "&& ls"],
    ["rejects_empty_command_position_with_double_separator", "ls ;; pwd"],
    ["rejects_empty_command_position_with_empty_pipeline_segment", "ls | | wc"],
    ["rejects_trailing_operator_parse_error", "ls &&"],
    ["rejects_variable_assignment_prefix", "FOO=bar ls"],
  ])("%s: %j is judged whole", (_codexTest, script) => {
    expect(splitShellScript(script)).toBeNull();
  });
});

describe("the here-document prefix (Codex bash.rs parse_shell_lc_single_command_prefix tests)", () => {
  test("parse_shell_lc_single_command_prefix_supports_heredoc: quoted and unquoted delimiters", () => {
    expect(splitShellCommand(["zsh", "-lc", "python3 <<'PY'\nprint('hello')\nPY"])).toEqual([["python3"]]);
    expect(splitShellCommand(["zsh", "-lc", "python3 << PY\nprint('hello')\nPY"])).toEqual([["python3"]]);
  });

  test("cat <<EOF ... EOF is judged as cat", () => {
    expect(splitShellCommand(["bash", "-lc", "cat <<EOF\nhello $USER\nEOF"])).toEqual([["cat"]]);
    expect(heredocCommandPrefix("cat -n <<EOF\nx\nEOF")).toEqual(["cat", "-n"]);
  });

  test.each([
    ["parse_shell_lc_single_command_prefix_rejects_multi_command_scripts", "python3 <<'PY'\nprint('hello')\nPY\necho done"],
    ["parse_shell_lc_single_command_prefix_rejects_non_heredoc_redirects", "echo hello > /tmp/out.txt"],
    ["parse_shell_lc_single_command_prefix_rejects_heredoc_with_extra_file_redirect", "python3 <<'PY' > /tmp/out.txt\nprint('hello')\nPY"],
    ["parse_shell_lc_single_command_prefix_rejects_heredoc_with_variable_assignment", "PATH=/tmp/evil:$PATH cat <<'EOF'\nhello\nEOF"],
    ["parse_shell_lc_single_command_prefix_rejects_herestring_with_chaining", "echo hello > /tmp/out.txt && cat /tmp/out.txt"],
    ["parse_shell_lc_single_command_prefix_rejects_herestring_with_substitution", 'python3 <<< "$(rm -rf /)"'],
    ["parse_shell_lc_single_command_prefix_rejects_arithmetic_shift_non_heredoc_script", "echo $((1<<2))"],
    ["parse_shell_lc_single_command_prefix_rejects_heredoc_command_with_word_expansion", "python3 $((1<<2)) <<'PY'\nprint('hello')\nPY"],
    ["(cordon) a command substitution in the body", "cat <<EOF\n$(rm -rf ~)\nEOF"],
    ["(cordon) backticks in the body", "cat <<EOF\n`id`\nEOF"],
    ["(cordon) a second command after the here-document", "cat <<EOF && rm -rf x\nhi\nEOF"],
    ["(cordon) a pipe into another command", "cat <<EOF | sh\nrm -rf x\nEOF"],
  ])("%s: %j is judged whole", (_test, script) => {
    expect(splitShellCommand(["bash", "-lc", script])).toBeNull();
  });

  test("as in Codex (used_complex_parsing), a here-document's command is never known-safe, but can look dangerous", () => {
    expect(isKnownSafeCommand(["bash", "-lc", "cat"])).toBe(true);
    expect(isKnownSafeCommand(["bash", "-lc", "cat <<EOF\nhi\nEOF"])).toBe(false);
    expect(isDangerousCommand(["bash", "-lc", "rm -rf build <<EOF\nhi\nEOF"])).toBe(true);
    expect(isDangerousCommand(["bash", "-lc", "cat <<EOF\nhi\nEOF"])).toBe(false);
  });
});

describe("the here-document prefix with a quoted delimiter keeps the body literal", () => {
  test("backticks and $( in a quoted body are text, not commands", () => {
    expect(heredocCommandPrefix("cat <<'EOF'\n`id` $(id)\nEOF")).toEqual(["cat"]);
    expect(heredocCommandPrefix('cat <<"EOF"\n`id`\nEOF')).toEqual(["cat"]);
    expect(heredocCommandPrefix("cat <<EOF\n`id`\nEOF")).toBeNull();
    expect(heredocCommandPrefix("cat <<< `id`")).toBeNull();
  });
});

describe("(cordon) the edges of a plain script", () => {
  test("inside double quotes a backslash-newline joins the lines and \\$ is a dollar, as bash reads them", () => {
    expect(splitShellScript('echo "a\\\nb" "c\\$d"')).toEqual([["echo", "ab", "c$d"]]);
  });

  test("one command that is not plain makes the whole script judged whole", () => {
    expect(splitShellScript("ls && echo $HOME")).toBeNull();
  });

  test("a NUL byte, or a script longer than 64 KiB, is judged whole", () => {
    expect(splitShellScript("ls\0")).toBeNull();
    const atLimit = `ls ${"a".repeat(64 * 1024 - 3)}`;
    expect(splitShellScript(atLimit)).toEqual([["ls", "a".repeat(64 * 1024 - 3)]]);
    expect(splitShellScript(`${atLimit}a`)).toBeNull();
  });

  test("a here-string alone is not a here-document; a quoted word before the here-document is judged whole", () => {
    expect(heredocCommandPrefix("cat <<< hi")).toBeNull();
    expect(heredocCommandPrefix("cat 'a' <<EOF\nhi\nEOF")).toBeNull();
    expect(heredocCommandPrefix("head -n 5 <<EOF\nhi\nEOF")).toEqual(["head", "-n", "5"]);
  });
});
