/**
 * The HTTP transport under the GitLab client: node:http/https with keep-alive and one hard timeout per request
 * (connect + answer + body). No redirects are followed (a token must never be replayed to another host), no retries
 * here (the client decides, knowing which requests are safe to resend).
 *
 * A failure says whether the request had been sent completely: a POST that fails after that is ambiguous (GitLab may
 * have acted on it); one refused before (connection refused, DNS) is not.
 */
import http from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

export class TransportError extends Error {
  readonly code: string;
  /** The request had been written out completely before it failed. */
  readonly sent: boolean;

  constructor(code: string, message: string, sent: boolean) {
    super(message);
    this.name = 'TransportError';
    this.code = code;
    this.sent = sent;
  }
}

export type Transport = (request: HttpRequest) => Promise<HttpResponse>;

export interface NodeTransport extends Transport {
  close(): void;
}

/** Answers larger than this are cut off as broken: no API answer healer reads comes near it. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export function createTransport({ maxSockets = 8 }: { maxSockets?: number } = {}): NodeTransport {
  const plain = new http.Agent({ keepAlive: true, maxSockets });
  // node:https (and TLS) is loaded only for an https GitLab: a plain-HTTP or token-less run does not pay for it.
  let secure: Promise<{ request: typeof http.request; agent: HttpsAgent }> | null = null;
  const client = (protocol: string) => {
    if (protocol !== 'https:') return Promise.resolve({ request: http.request, agent: plain as http.Agent | HttpsAgent });
    secure ??= import('node:https').then((https) => ({ request: https.request as typeof http.request, agent: new https.Agent({ keepAlive: true, maxSockets }) }));
    return secure;
  };
  const send = async (request: HttpRequest): Promise<HttpResponse> => {
    const { request: open, agent } = await client(request.url.protocol);
    return new Promise((resolve, reject) => {
      let sent = false;
      let settled = false;
      const fail = (error: TransportError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      };
      const headers: Record<string, string> = { ...request.headers };
      if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
      const req = open(request.url, { method: request.method, headers, agent });
      const timer = setTimeout(() => {
        const error = new TransportError('TIMEOUT', `no answer within ${request.timeoutMs} ms`, sent);
        fail(error);
        req.destroy(error);
      }, request.timeoutMs);
      req.on('finish', () => {
        sent = true;
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        fail(error instanceof TransportError ? error : new TransportError(error.code ?? 'ENETWORK', error.message, sent));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            const error = new TransportError('ETOOBIG', `answer larger than ${MAX_BODY_BYTES} bytes`, true);
            fail(error);
            req.destroy(error);
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error: NodeJS.ErrnoException) => fail(new TransportError(error.code ?? 'ECONNRESET', error.message, true)));
        res.on('aborted', () => fail(new TransportError('ECONNRESET', 'the answer was cut off', true)));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const out: Record<string, string> = {};
          for (const [key, value] of Object.entries(res.headers)) {
            if (value !== undefined) out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.end(request.body);
    });
  };
  const transport = send as NodeTransport;
  transport.close = () => {
    plain.destroy();
    void secure?.then(({ agent }) => agent.destroy());
  };
  return transport;
}
