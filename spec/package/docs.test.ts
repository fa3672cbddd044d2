// Every public class and function carries TSDoc with an `@example`: read
// from the sources through the TypeScript compiler, following each export of
// lib/index.ts to its declaration. (The API docs build, `npm run docs`, fails
// on any undocumented export or broken link: warnings are errors.)
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const T = { timeout: 60_000 };
const INDEX = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'lib', 'index.ts');

function publicDeclarations(): { name: string; tags: string[] }[] {
  const program = ts.createProgram([INDEX], {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, allowImportingTsExtensions: true, noEmit: true,
  });
  const checker = program.getTypeChecker();
  const index = checker.getSymbolAtLocation(program.getSourceFile(INDEX)!)!;
  const out: { name: string; tags: string[] }[] = [];
  const visit = (exports: ts.Symbol[], prefix: string) => {
    for (const sym of exports) {
      const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
      if (target.flags & ts.SymbolFlags.ValueModule) {
        visit(checker.getExportsOfModule(target), `${prefix}${sym.name}.`);
        continue;
      }
      if (!(target.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Function))) continue;
      const tags = (target.declarations ?? []).flatMap((d) => ts.getJSDocTags(d).map((t) => t.tagName.text));
      out.push({ name: prefix + sym.name, tags });
    }
  };
  visit(checker.getExportsOfModule(index), '');
  return out;
}

test('every public class and function has TSDoc with an @example', T, () => {
  const decls = publicDeclarations();
  assert.ok(decls.length > 40, `found the public declarations (${decls.length})`);
  assert.deepEqual(decls.filter((d) => !d.tags.includes('example')).map((d) => d.name), []);
});
