/** Where a record lives and how large it may be: shared by the store and the reader (which needs nothing else of it). */
export const RECORD_FILE = '.ci-progress.json';
/** A record larger than this is refused as damaged rather than parsed. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
