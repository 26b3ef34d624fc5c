export { mergeMapWithLag } from './mergeMapWithLag.js';
