// The smoke suite (spec/smoke.test.ts) with every actor started by startMethod 'prewarm'.
import { runSuiteWith } from './suite.ts';

await runSuiteWith('smoke', 'prewarm');
