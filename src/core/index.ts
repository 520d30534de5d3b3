export * from './record.js';
export { own } from './names.js';
