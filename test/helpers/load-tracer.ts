/** `node --import` this file to record every module URL the process loads into $HEALER_TRACE_LOADS. */
import { register } from 'node:module';

register('./load-hooks.js', import.meta.url);
