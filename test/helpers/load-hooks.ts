/** Module loader hook (see load-tracer.ts): append each resolved URL to the file named by HEALER_TRACE_LOADS. */
import { appendFileSync } from 'node:fs';

type Next = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, next: Next): Promise<{ url: string }> {
  const result = await next(specifier, context);
  if (process.env.HEALER_TRACE_LOADS) appendFileSync(process.env.HEALER_TRACE_LOADS, `${result.url}\n`);
  return result;
}
