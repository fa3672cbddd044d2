/**
 * The import graph of `lib/` (value and type imports alike) and DESIGN.md's
 * layer table, for spec/package/layers.test.ts: every arrow must point down (or stay
 * within its layer), and no file may reach itself through its imports.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** File (relative to the lib root, `/`-separated) -> the lib files it imports. */
export type ImportGraph = Map<string, string[]>;

const IMPORT = /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*'([^']+)'|\bimport\s*\(\s*'([^']+)'\s*\)|^\s*import\s+'([^']+)'/gm;

function listTs(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return listTs(p, base);
    return e.name.endsWith('.ts') ? [path.relative(base, p).split(path.sep).join('/')] : [];
  });
}

/** Read every `.ts` file under `root` and the relative imports each one makes. */
export function importGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of listTs(root).sort()) {
    const text = readFileSync(path.join(root, file), 'utf8');
    const deps = new Set<string>();
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (!spec.startsWith('.')) continue;
      deps.add(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)));
    }
    graph.set(file, [...deps].sort());
  }
  return graph;
}

/** Every cycle of the graph, as the files of each strongly connected component of more than one file (or a self-import). */
export function cycles(graph: ImportGraph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/**
 * DESIGN.md's layer table as ranks: a file may import files of its own rank
 * or below, never above. (`ipc/addr.ts` and `uid.ts` sit with the base
 * layers: address strings and actor ids are parsed by `options.ts` and
 * named by `errors.ts`'s classes, below the transport itself. And
 * `runtime/timing.ts` imports nothing, so that the transport's own waits,
 * e.g. the handshake's, use its constants and its one timeout helper.)
 */
const LAYERS: [rank: number, pattern: RegExp][] = [
  // Single files first: the first pattern that matches places a file.
  // A child process's own main (entry, start, child, and a prewarmed spare with its rehearsal) boots an actor as root.ts does.
  [9, /^(index|internal|cli|cluster|root|boot)\.ts$|^spawn\/(entry|start|child|spare|rehearse)\.ts$/],
  [1, /^ipc\/addr\.ts$/],
  // The task nursery is built on the cancel scopes (runtime/scope.ts), so it sits beside them.
  [3, /^trionics\/task-nursery\.ts$/],
  [8, /^(discovery|devx|infect)\//],
  [7, /^runtime\/(nursery|current|pool|forgotten)\.ts$/],
  [6, /^runtime\/(portal|serve)\.ts$/],
  [5, /^context\//],
  [4, /^runtime\/(actor|call|task)\.ts$|^spawn\//],
  // The one real import() (runtime/import-module.ts) imports nothing; resolve.ts and scope.ts use it.
  [3, /^runtime\/(dialog|scope|state|resolve|remote|debug-hooks|import-module)\.ts$/],
  [2, /^ipc\//],
  [1, /^(msg|trionics)\/|^options\.ts$|^runtime\/timing\.ts$/],
  // builtins.ts (Node built-ins through getBuiltinModule) imports nothing, as errors and log, for every layer to use.
  [0, /^(errors|log|log-api|uid|builtins)\.ts$/],
];

/** The layer of `file`, or `undefined` for a file the table does not place. */
export function rankOf(file: string): number | undefined {
  return LAYERS.find(([, re]) => re.test(file))?.[0];
}

/** Arrows that point up the layer table, as `from -> to`. */
export function upwardArrows(graph: ImportGraph): string[] {
  const out: string[] = [];
  for (const [from, deps] of graph) {
    for (const to of deps) {
      const a = rankOf(from);
      const b = rankOf(to);
      if (a !== undefined && b !== undefined && b > a) out.push(`${from} -> ${to}`);
    }
  }
  return out;
}
