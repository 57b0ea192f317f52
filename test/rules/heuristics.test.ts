import {
  initShellParser,
  isDangerousCommand,
  isKnownSafeCommand,
  splitShellCommand,
  splitShellScript,
} from "../../src/rules/index.js";

beforeAll(() => initShellParser());

const words = (text: string): string[] => text.split(" ");

describe("shell splitting", () => {
  test('bash -lc "git status && pwd" is two commands', () => {
    expect(splitShellCommand(["bash", "-lc", "git status && pwd"])).toEqual([["git", "status"], ["pwd"]]);
  });

  test("plain words, quotes and && || ; | split into their commands", () => {
    expect(splitShellScript(`ls -l && echo 'a b' "c d" | wc -l; false || pwd\ntrue`)).toEqual([
      ["ls", "-l"],
      ["echo", "a b", "c d"],
      ["wc", "-l"],
      ["false"],
      ["pwd"],
      ["true"],
    ]);
    expect(splitShellScript(`echo "say \\"hi\\" \\$5" a'b'"c" 42`)).toEqual([["echo", 'say "hi" $5', "abc", "42"]]);
  });

  test.each([
    ["a redirection", "ls > out.txt"],
    ["a variable", "echo $HOME"],
    ["a variable inside quotes", 'echo "$HOME"'],
    ["command substitution", "echo $(rm -rf x)"],
    ["backticks", "echo `id`"],
    ["a subshell", "(ls)"],
    ["a group", "true && { ls; }"],
    ["background", "ls &"],
    ["an assignment", "FOO=1 ls"],
    ["a glob", "ls *.ts"],
    ["a tilde", "ls ~/x"],
    ["brace expansion", "echo {a,b}"],
    ["an escaped space", "echo a\\ b"],
    ["a pipe of stderr", "a |& b"],
    ["negation", "! ls"],
    ["a comment", "ls # note"],
    ["a test", "[[ -f x ]]"],
    ["an ANSI-C string", "echo $'a'"],
    ["a syntax error", "echo 'unterminated"],
    ["an empty script", "   "],
    ["a here-document", "cat <<EOF\nhi\nEOF"],
  ])("a script with %s is judged whole", (_name, script) => {
    expect(splitShellScript(script)).toBeNull();
  });

  test("only bash, sh and zsh with -c or -lc and one script are split", () => {
    expect(splitShellCommand(["/bin/zsh", "-c", "ls"])).toEqual([["ls"]]);
    expect(splitShellCommand(["sh", "-lc", "ls"])).toEqual([["ls"]]);
    expect(splitShellCommand(["fish", "-c", "ls"])).toBeNull();
    expect(splitShellCommand(["bash", "-x", "ls"])).toBeNull();
    expect(splitShellCommand(["bash", "-c", "ls", "argv0"])).toBeNull();
  });
});

describe("known-safe commands", () => {
  test.each([
    "ls -la",
    "/bin/cat README.md",
    "grep -rn foo src",
    "find . -name *.ts",
    "rg -n TODO",
    "base64 file.bin",
    "sed -n 10p file.txt",
    "sed -n 1,5p file.txt",
    "git status",
    "git -C repo log --oneline",
    "git diff HEAD~1",
    "git branch --show-current",
    "git branch -a",
  ])("%s is safe", (command) => {
    expect(isKnownSafeCommand(words(command))).toBe(true);
  });

  test.each([
    "find . -name x -delete",
    "find . -exec rm {} ;",
    "find . -fprint out",
    "rg --pre cat foo",
    "rg --pre=cat foo",
    "rg -z foo",
    "rg --search-zip foo",
    "base64 -o out file",
    "base64 --output=out file",
    "sed -n 1p;w/tmp/x file",
    "sed -i s/a/b/ file",
    "sed -n p file extra",
    "git push",
    "git checkout status",
    "git -c core.pager=evil log",
    "git -ccore.pager=evil status",
    "git log --output=/tmp/x",
    "git diff --ext-diff",
    "git branch new-branch",
    "git branch -d old",
    "python3 -c print(1)",
    "rm file",
    "cp a b",
  ])("%s is not known to be safe", (command) => {
    expect(isKnownSafeCommand(words(command))).toBe(false);
  });

  test("a shell script is safe when every plain command in it is", () => {
    expect(isKnownSafeCommand(["bash", "-lc", "git status && pwd"])).toBe(true);
    expect(isKnownSafeCommand(["zsh", "-lc", "ls | wc -l"])).toBe(true);
    expect(isKnownSafeCommand(["bash", "-lc", "ls && rm x"])).toBe(false);
    expect(isKnownSafeCommand(["bash", "-lc", "ls > out"])).toBe(false);
  });
});

describe("dangerous commands", () => {
  test.each([
    "rm -f x",
    "rm -rf build",
    "rm -Rf build",
    "rm -r -f build",
    "rm --force x",
    "/bin/rm -rfv x",
    "sudo rm -rf /",
    "sudo -u root rm -f x",
    "sudo sudo rm -f x",
    "git reset --hard",
    "git -C repo reset HEAD~1",
    "git rm file",
    "git clean -fdx",
    "git push --force",
    "git push -f origin main",
    "git push origin +main",
    "/usr/bin/git push --force-with-lease",
  ])("%s is dangerous", (command) => {
    expect(isDangerousCommand(words(command))).toBe(true);
  });

  test.each(["rm file", "rm -r dir", "rm -- -f", "sudo ls", "git push origin main", "git status", "git clean -n", "ls -f"])(
    "%s is not dangerous",
    (command) => {
      expect(isDangerousCommand(words(command))).toBe(false);
    },
  );

  test("a shell script is dangerous when any plain command in it is", () => {
    expect(isDangerousCommand(["bash", "-lc", "git status && git reset --hard"])).toBe(true);
    expect(isDangerousCommand(["bash", "-lc", "ls; sudo rm -rf /tmp/x"])).toBe(true);
    expect(isDangerousCommand(["bash", "-lc", "git status && pwd"])).toBe(false);
  });
});

describe("git's global options that name programs or settings make a read-only subcommand unsafe", () => {
  test.each([
    [["git", "log"], true],
    [["git", "-c", "core.pager=evil", "log"], false],
    [["git", "-ccore.pager=evil", "log"], false],
    [["git", "--config-env", "core.pager=ENV", "log"], false],
    [["git", "--config-env=core.pager=ENV", "log"], false],
    [["git", "--exec-path", "log"], false],
    [["git", "--exec-path=/tmp", "log"], false],
    [["git", "--unknown", "log"], true],
    // If --unknown takes a value, `-c a=b` is git's own option before the subcommand.
    [["git", "--unknown", "log", "-c", "a=b", "log"], false],
  ])("%j is known safe: %s", (command, safe) => {
    expect(isKnownSafeCommand(command)).toBe(safe);
  });
});
