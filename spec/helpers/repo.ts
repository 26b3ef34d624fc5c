// The repository's root folder, and execFile as a promise: for the tests that run the project's
// own commands (tsx, tsc, typedoc, npm) as child processes.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository's root folder, with a trailing slash. */
export const root = fileURLToPath(new URL('../../', import.meta.url));

/** `execFile` returning a promise of `{ stdout, stderr }`; rejects on a non-zero exit. */
export const run = promisify(execFile);
