// The smoke suite (spec/runtime/smoke.test.ts) with every actor started by startMethod 'prewarm'.
import { runSuiteWith } from './suite.ts';

await runSuiteWith('runtime/smoke', 'prewarm');
