/**
 * `tractor.log`: the logging names user code gets (the rest of `log.ts` is
 * the runtime's own).
 */
export { getConsoleLog, getLogger, type Logger, type LogLevel } from './log.ts';
