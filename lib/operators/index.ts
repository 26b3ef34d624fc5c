export { holdUntil } from './holdUntil.js';
export { mergeMapWithLag } from './mergeMapWithLag.js';
export { whileTrue } from './whileTrue.js';
