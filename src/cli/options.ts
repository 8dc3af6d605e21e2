import { Option } from 'commander';

/** `--environment live|test`: which world (live or test data) a command acts in. */
export const environmentOption = () => new Option('--environment <environment>', 'live or test').choices(['live', 'test']).default('test');

export const worldOf = (environment: 'live' | 'test') => (environment === 'live' ? 'LIVE' : 'TEST');
