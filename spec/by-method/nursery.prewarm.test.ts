// The nursery suite (spec/nursery.test.ts) with every actor started by startMethod 'prewarm'.
import { runSuiteWith } from './suite.ts';

await runSuiteWith('nursery', 'prewarm');
