// Two one-shot actors find each other by name through the registrar and call
// each other: the TS twin of tractor's a_trynamic_first_scene.py.
import * as tractor from 'tractor-ts';

// Resolved once the other actor has called our `hi`.
let greeted: () => void = () => {};
const wasGreeted = new Promise<void>((resolve) => (greeted = resolve));

export async function hi(): Promise<string> {
  greeted();
  return `Hi my name is ${tractor.currentActor().name}`;
}

export async function sayHello(args: { otherActor: string }): Promise<string> {
  await using portal = await tractor.waitForActor(args.otherActor);
  const line = await portal.run(hi);
  // A one-shot actor is reaped as soon as its function returns: stay on stage
  // until the other actor has said hi to us too, or its call would find us gone.
  await wasGreeted;
  return line;
}

async function main(): Promise<void> {
  await using an = await tractor.openNursery();
  console.log('Alright... Action!');
  const donny = await an.runInActor(sayHello, { otherActor: 'gretchen' }, { name: 'donny' });
  const gretchen = await an.runInActor(sayHello, { otherActor: 'donny' }, { name: 'gretchen' });
  console.log(await gretchen.waitForResult());
  console.log(await donny.waitForResult());
  console.log("CUTTTT CUUTT CUT!!! Donny!! You're supposed to say...");
}

if (tractor.isMain(import.meta)) tractor.run(main);
