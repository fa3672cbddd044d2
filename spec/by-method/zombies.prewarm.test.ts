// The zombies suite (spec/zombies.test.ts) with every actor started by startMethod 'prewarm'.
import { runSuiteWith } from './suite.ts';

await runSuiteWith('zombies', 'prewarm');
