/** Placeholder: streams land with issue 3. */
import type { Portal } from './runtime/portal.ts';
export class MsgStream<T = unknown> { declare _t: T }
export async function openStreamFrom(_p: Portal, _fn: unknown, _a: unknown, _o: unknown): Promise<MsgStream<never>> {
  throw new TypeError('not yet');
}
