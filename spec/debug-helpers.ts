// Test helpers of the debugger specs (not endpoints): drive an example under
// examples/debugging/ as pexpect drives tractor's: wait for the prompt naming
// an actor, send a command, read what came before. Through a pipe, or through
// a real pty (script(1) from util-linux).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PROMPT = /\(tractor-ts ([^)\s]+)\) /;

/** True where script(1) can give a program a pty. */
export const HAVE_SCRIPT = spawnSync('script', ['--version']).status === 0;

export class DebugSession {
  readonly proc: ChildProcess;
  readonly runId = randomUUID();
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #out = '';
  #at = 0;
  #waiters = new Set<() => void>();

  /** `example` names examples/debugging/NAME.ts, or is a path (relative to the repo) to a program. */
  constructor(example: string, opts: { pty?: boolean } = {}) {
    const file = example.includes('/') ? example : path.join('examples', 'debugging', `${example}.ts`);
    const env = { ...process.env, EXAMPLE_RUN_ID: this.runId, NO_COLOR: '1' };
    // `exec`: script(1) runs the command through $SHELL -c (/bin/sh when unset). bash execs a lone
    // command itself, but dash stays in between, in the pty's foreground process group: a Ctrl-C
    // reaches it too, and once the program exits, dash exits 130 whatever the program's code was.
    this.proc = opts.pty
      ? spawn('script', ['-qfec', `exec ${process.execPath} --import tsx ${file}`, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const take = (d: string) => {
      this.#out += d.replace(/\r\n/g, '\n');
      for (const w of this.#waiters) w();
    };
    this.proc.stdout!.setEncoding('utf8').on('data', take);
    this.proc.stderr!.setEncoding('utf8').on('data', take);
    this.done = new Promise((resolve) => this.proc.on('close', (code, signal) => {
      for (const w of this.#waiters) w();
      resolve({ code, signal });
    }));
  }

  /** All output so far. */
  get output(): string {
    return this.#out;
  }

  /** Wait until `re` matches the output after the last match; return the text up to and including the match. */
  async expect(re: RegExp, ms = 30_000): Promise<{ before: string; match: RegExpExecArray }> {
    const until = Date.now() + ms;
    for (;;) {
      const rest = this.#out.slice(this.#at);
      const m = re.exec(rest);
      if (m) {
        this.#at += m.index + m[0].length;
        return { before: rest.slice(0, m.index + m[0].length), match: m };
      }
      const exited = this.proc.exitCode !== null || this.proc.signalCode !== null;
      if (exited || Date.now() > until) {
        assert.fail(`expected ${re} ${exited ? 'before the program exited' : `within ${ms} ms`}; output after the last match:\n${rest}\n--- whole output:\n${this.#out}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 500);
        this.#waiters.add(() => {
          clearTimeout(t);
          resolve();
        });
      });
      this.#waiters.clear();
    }
  }

  /** Wait for the prompt; return the actor it names and the text before it. */
  async prompt(): Promise<{ actor: string; before: string }> {
    const { before, match } = await this.expect(PROMPT);
    return { actor: match[1]!, before };
  }

  send(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }

  sendRaw(bytes: string): void {
    this.proc.stdin!.write(bytes);
  }

  async exit(): Promise<number | null> {
    const r = await this.done;
    return r.code;
  }

  async kill(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    await this.done;
  }
}
