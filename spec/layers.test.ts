// lib/ keeps DESIGN.md's shape: its imports (value and type alike) form no
// cycle, every arrow points down the layer table, and every file has a place
// in that table. The checker itself is checked on graphs that break each rule.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cycles, type ImportGraph, importGraph, rankOf, upwardArrows } from './import-graph.ts';

const T = { timeout: 20_000 };
const LIB = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib');

test("lib/'s imports, value and type, form no cycle", T, () => {
  assert.deepEqual(cycles(importGraph(LIB)), []);
});

test("no import in lib/ points up DESIGN.md's layer table", T, () => {
  assert.deepEqual(upwardArrows(importGraph(LIB)), []);
});

test('every file of lib/ has a place in the layer table', T, () => {
  assert.deepEqual([...importGraph(LIB).keys()].filter((f) => rankOf(f) === undefined), []);
});

test('the checker finds a cycle, an upward arrow and a type-only import', T, () => {
  const g: ImportGraph = new Map([
    ['context/context.ts', ['runtime/call.ts']],
    ['runtime/call.ts', ['context/context.ts']],
    ['runtime/actor.ts', ['discovery/registry.ts']],
    ['discovery/registry.ts', []],
  ]);
  assert.deepEqual(cycles(g), [['context/context.ts', 'runtime/call.ts']]);
  assert.deepEqual(upwardArrows(g), ['runtime/call.ts -> context/context.ts', 'runtime/actor.ts -> discovery/registry.ts']);
  // The graph reader sees `import type` and inline `import('...')` types, not only value imports.
  const real = importGraph(LIB);
  assert.ok(real.get('runtime/call.ts')?.includes('runtime/actor.ts'), 'runtime/call.ts imports the ActorRuntime type');
});
