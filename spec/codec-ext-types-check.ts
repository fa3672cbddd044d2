// Type-level spec (checked by `npm run typecheck`, never run):
// tractor.msg.registerType checks encode and decode against the class given
// as `type`, and decode against what encode returns.
import * as tractor from 'tractor-ts';
import { Point } from './fixtures/ext-types.ts';

export function registerTypeTypes(): void {
  tractor.msg.registerType({ code: 1, type: Point, encode: (p) => [p.x, p.y], decode: ([x, y]) => new Point(x!, y!) });
  tractor.msg.registerType({ code: 2, type: Point, encode: (p) => ({ x: p.x }), decode: (d) => new Point(d.x, 0) });

  // @ts-expect-error encode's parameter is an instance of `type`, which has no `z`
  tractor.msg.registerType({ code: 3, type: Point, encode: (p) => p.z, decode: () => new Point(0, 0) });
  // @ts-expect-error decode must rebuild an instance of `type`
  tractor.msg.registerType({ code: 4, type: Point, encode: (p) => [p.x, p.y], decode: () => 'not a point' });
  // @ts-expect-error decode gets what encode returned (an array here, not an object)
  tractor.msg.registerType({ code: 5, type: Point, encode: (p) => [p.x, p.y], decode: (d: { x: number }) => new Point(d.x, 0) });
  // @ts-expect-error encode takes the type's instances, not another type
  tractor.msg.registerType({ code: 6, type: Point, encode: (p: string) => p, decode: () => new Point(0, 0) });
}
