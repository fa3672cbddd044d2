// Two one-shot actors find each other by name through the registrar and call
// each other: the TS twin of tractor's a_trynamic_first_scene.py.
import * as tractor from 'tractor-ts';

export async function hi(): Promise<string> {
  return `Hi my name is ${tractor.currentActor().name}`;
}

export async function sayHello(args: { otherActor: string }): Promise<string> {
  await using portal = await tractor.waitForActor(args.otherActor);
  return await portal.run(hi);
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
