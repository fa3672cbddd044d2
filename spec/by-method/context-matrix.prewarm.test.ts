// The context-matrix suite (spec/context/context-matrix.test.ts) with every actor started by startMethod 'prewarm'.
import { runSuiteWith } from './suite.ts';

await runSuiteWith('context/context-matrix', 'prewarm');
