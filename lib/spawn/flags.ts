/**
 * What a spawned actor inherits from this process's command line. Children
 * get only the loader flags of SPEC section 1 (an allowlist:
 * `--import`/`--loader`/`--require`, the type and module `--experimental-*`
 * flags, `--conditions`, `--enable-source-maps`),
 * never the test runner's (Node 24's `--test` puts ~30 flags in a test
 * file's `execArgv`, `--test-isolation=process` among them), `--inspect*`
 * (every child would die with "address already in use") or `--watch`.
 */

/** Flags that take their value as the next argument when not written `--flag=value`. */
const WITH_VALUE = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r', '--conditions', '-C']);

/** Loader flags a child needs to load the same modules the same way. */
const ALLOWED = new RegExp(
  '^(?:--import|--loader|--experimental-loader|--require|-r|--conditions|-C|--enable-source-maps' +
  '|--(?:no-)?experimental-(?:strip-types|transform-types|default-type|detect-module|require-module' +
  '|wasm-modules|import-meta-resolve|specifier-resolution|json-modules|vm-modules))(?:=|$)',
);

/**
 * The subset of `execArgv` a child actor gets: the allowed flags, each with
 * its value (`--import tsx` and `--import=tsx` alike), in their order.
 *
 * @example
 * childExecArgv(['--test-isolation=process', '--import', 'tsx', '--inspect=9229']) // ['--import', 'tsx']
 */
export function childExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    const takesNext = WITH_VALUE.has(a) && i + 1 < execArgv.length;
    if (ALLOWED.test(a)) out.push(...(takesNext ? [a, execArgv[i + 1]!] : [a]));
    if (takesNext) i++;
  }
  return out;
}

/** This process's allowed loader flags, computed once. */
export const CHILD_EXEC_ARGV: readonly string[] = childExecArgv(process.execArgv);

/** Whether this Node strips TypeScript types itself (Node >= 22.18 / 23.6: `node prog.ts` needs no loader). */
export const NATIVE_TYPESCRIPT = Boolean((process.features as { typescript?: unknown }).typescript);
