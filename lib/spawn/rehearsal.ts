/**
 * The function a prewarmed spare's rehearsal (spawn/rehearse.ts) calls, as
 * a parent's `runInActor` would, in a module of its own: the rehearsal
 * imports it by URL as an actor imports its `enableModules`, and the spare's
 * entry (the file rehearse.ts is built into) is still running its top-level
 * `await` then, so it could not be that module.
 */

/** Returns `a + 1`. */
export async function rehearsal({ a }: { a: number }): Promise<number> {
  return a + 1;
}
