// Custom types on the wire: a Map, a bigint id and your own classes crossing
// actors through a context stream (tractor's msgspec extension hooks, here
// on @msgpack/msgpack's extension types).
//
//   npx tsx examples/custom_types.ts
//
// `Map`, `Set`, `bigint`, `Date` and typed arrays cross as themselves out of
// the box. A class of your own crosses once it is registered with
// `tractor.msg.registerType` in every actor that sends or receives it: at
// the top level of a module the actors enable (this one), so importing the
// module registers it.
import assert from 'node:assert/strict';
import * as tractor from 'tractor-ts';

/** An order: a database id too big for a JS number, and item -> quantity. */
export class Order {
  readonly id: bigint;
  readonly items: Map<string, number>;
  constructor(id: bigint, items: Map<string, number>) {
    this.id = id;
    this.items = items;
  }
  total(prices: Map<string, number>): number {
    let sum = 0;
    for (const [item, qty] of this.items) sum += qty * (prices.get(item) ?? 0);
    return sum;
  }
}

/** What the till hands back for an order. */
export class Receipt {
  readonly orderId: bigint;
  readonly total: number;
  constructor(orderId: bigint, total: number) {
    this.orderId = orderId;
    this.total = total;
  }
}

// Codes 0-123 are yours; a Python peer mirrors them in msgspec's ext_hook (see the README).
tractor.msg.registerType({
  code: 1, type: Order,
  encode: (o) => ({ id: o.id, items: o.items }), // a bigint and a Map: they cross as themselves
  decode: (d) => new Order(d.id, d.items),
});
tractor.msg.registerType({
  code: 2, type: Receipt,
  encode: (r) => [r.orderId, r.total],
  decode: ([orderId, total]) => new Receipt(BigInt(orderId!), Number(total)),
});

/** The till: announces its prices (a Map), prices every Order it is sent, returns the totals by id. */
export const till = tractor.context(async (ctx) => {
  const prices = new Map([['apple', 3], ['pear', 5]]);
  await ctx.started(prices);
  const totals = new Map<bigint, number>();
  await using stream = await ctx.openStream<Order>();
  for await (const order of stream) {
    assert.ok(order instanceof Order); // a real Order here too, methods and all
    const total = order.total(prices);
    totals.set(order.id, total);
    await stream.send(new Receipt(order.id, total));
  }
  return totals;
});

async function main(): Promise<void> {
  await using an = await tractor.openNursery();
  const portal = await an.startActor('till', { enableModules: [import.meta.url] });

  await using ctx = await portal.openContext(till, {});
  const prices = ctx.first as Map<string, number>;
  console.log(`prices: ${[...prices].map(([item, p]) => `${item}=${p}`).join(', ')} (a ${prices.constructor.name})`);

  const orders = [
    new Order(2n ** 53n + 1n, new Map([['apple', 2], ['pear', 1]])),
    new Order(2n ** 63n + 7n, new Map([['pear', 4]])),
  ];
  {
    await using stream = await ctx.openStream<Receipt>();
    for (const order of orders) {
      await stream.send(order);
      const receipt = await stream.receive();
      console.log(`order ${receipt.orderId}: total ${receipt.total} (a ${receipt.constructor.name}, id a ${typeof receipt.orderId})`);
    }
  }
  const totals = (await ctx.waitForResult()) as Map<bigint, number>;
  console.log(`totals: ${[...totals].map(([id, t]) => `${id} -> ${t}`).join(', ')} (a ${totals.constructor.name})`);
  await portal.cancelActor();
}

if (tractor.isMain(import.meta)) tractor.run(main);
