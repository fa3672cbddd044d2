// The nursery suite (spec/runtime/nursery.test.ts) with every actor started by startMethod 'prewarm'.
import { runSuiteWith } from './suite.ts';

await runSuiteWith('runtime/nursery', 'prewarm');
