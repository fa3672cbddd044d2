/**
 * The library's one real `import()` of a module named at run time (an
 * actor's `enableModules`, a daemon's modules, and the dependencies it loads
 * on first use). It is a file of its own, kept apart by the build
 * (scripts/build.mjs): on Node 20 the tsx loader rewrites every file that
 * holds a dynamic `import()` as it loads it (interop code and a source map,
 * at a cost that grows with the file), and this file is a few lines, not the
 * bundled library.
 */

/** `import(specifier)`, resolved from inside this package. */
export function dynamicImport<T = Record<string, unknown>>(specifier: string): Promise<T> {
  return import(specifier) as Promise<T>;
}
