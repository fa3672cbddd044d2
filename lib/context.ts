/** Placeholder: contexts land with issue 3. */
import type { RemoteTask } from './runtime/rpc.ts';
import type { Portal } from './runtime/portal.ts';
export type ContextFn = (ctx: Context, args: never) => Promise<unknown>;
export interface ContextOptions { allowOverruns?: boolean; signal?: AbortSignal }
export class Context<R = unknown> { declare _r: R }
export async function openContext(_p: Portal, _fn: unknown, _a: unknown, _o: ContextOptions): Promise<Context<never>> {
  throw new TypeError('not yet');
}
export async function serveContext(task: RemoteTask, _fn: unknown, _kwargs: unknown): Promise<void> {
  throw new TypeError(`context endpoints are not supported yet (${task.func})`);
}
