/**
 * A small stand-in for GitLab's job-artifacts download (GET /api/v4/projects/:id/jobs/:job_id/artifacts) on
 * 127.0.0.1 at a random port, for `healer restore` tests. Self-contained, so it can later move into the shared fake
 * GitLab. Per job it answers a real zip, an HTTP status (404, 410, 403, 500…), a redirect, or a slow or stalled
 * answer. Requests under /api/v4 need a known JOB-TOKEN or PRIVATE-TOKEN (401 otherwise, as GitLab does); any other
 * path stands for object storage (a CDN) and needs none. Every request is recorded with its headers.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import yazl from 'yazl';

export type Answer =
  | { kind: 'zip'; body: Buffer }
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'redirect'; location: string; status?: number }
  /** Wait before answering at all. */
  | { kind: 'slow'; delayMs: number; then: Answer }
  /** Send the headers and part of the body, then stop sending (the connection stays open). */
  | { kind: 'stall'; body: Buffer; afterBytes: number };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

export interface ArtifactServer {
  origin: string;
  apiUrl: string;
  requests: RecordedRequest[];
  /** Set the answer for a job's artifacts download. */
  answerJob(projectId: number | string, jobId: number, answer: Answer): void;
  /** Set the answer for any other path (a CDN location to redirect to). */
  answerPath(path: string, answer: Answer): void;
  close(): Promise<void>;
}

export interface ServerOptions {
  jobToken?: string;
  privateToken?: string;
}

export async function startArtifactServer(options: ServerOptions = {}): Promise<ArtifactServer> {
  const answers = new Map<string, Answer>();
  const requests: RecordedRequest[] = [];
  const open = new Set<ServerResponse>();

  const send = (res: ServerResponse, answer: Answer): void => {
    switch (answer.kind) {
      case 'zip':
        res.writeHead(200, { 'content-type': 'application/zip', 'content-length': answer.body.length });
        res.end(answer.body);
        return;
      case 'status': {
        const body = answer.body ?? JSON.stringify({ message: `${answer.status} ${answer.status === 404 ? 'Not found' : 'Error'}` });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(body);
        return;
      }
      case 'redirect':
        res.writeHead(answer.status ?? 302, { location: answer.location });
        res.end();
        return;
      case 'slow': {
        const timer = setTimeout(() => send(res, answer.then), answer.delayMs);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case 'stall':
        res.writeHead(200, { 'content-type': 'application/zip', 'content-length': answer.body.length });
        res.write(answer.body.subarray(0, answer.afterBytes));
        return;
    }
  };

  const server: Server = createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers });
    if (path.startsWith('/api/v4/')) {
      const job = req.headers['job-token'];
      const priv = req.headers['private-token'];
      const allowed =
        (options.jobToken !== undefined && job === options.jobToken) || (options.privateToken !== undefined && priv === options.privateToken);
      if (!allowed) return send(res, { kind: 'status', status: 401, body: '{"message":"401 Unauthorized"}' });
    }
    const answer = answers.get(path);
    if (answer === undefined) return send(res, { kind: 'status', status: 404, body: '{"message":"404 Not found"}' });
    send(res, answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    apiUrl: `${origin}/api/v4`,
    requests,
    answerJob(projectId, jobId, answer) {
      answers.set(`/api/v4/projects/${encodeURIComponent(String(projectId))}/jobs/${jobId}/artifacts`, answer);
    },
    answerPath(path, answer) {
      answers.set(path, answer);
    },
    close() {
      for (const res of open) res.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ZipItem {
  /** The name as stored; may be anything, even names yazl refuses ("../x", "/etc/x", "C:\\x"). */
  name: string;
  data?: string | Buffer;
  /** A folder entry. */
  dir?: boolean;
  /** A symbolic link to this target. */
  symlink?: string;
  /** Unix mode bits (type bits included); default 0o100644. */
  mode?: number;
  /** Declare this uncompressed size instead of the true one (a lying zip bomb). */
  declaredSize?: number;
}

/** Build a real zip with yazl. Names yazl refuses are written with a same-length placeholder, then patched. */
export async function buildZip(items: ZipItem[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const patches: Array<{ placeholder: Buffer; name: Buffer; declaredSize?: number }> = [];
  for (const item of items) {
    const base = item.dir ? item.name.replace(/\/$/, '') : item.name;
    const length = Buffer.byteLength(base, 'utf8');
    const placeholder = `p${randomBytes(length).toString('hex')}`.slice(0, length);
    const slash = item.dir ? '/' : '';
    if (item.dir) {
      zip.addEmptyDirectory(placeholder, { mode: item.mode ?? 0o40755 });
    } else if (item.symlink !== undefined) {
      zip.addBuffer(Buffer.from(item.symlink, 'utf8'), placeholder, { mode: item.mode ?? 0o120777, compress: false });
    } else {
      const data = Buffer.isBuffer(item.data) ? item.data : Buffer.from(item.data ?? '', 'utf8');
      zip.addBuffer(data, placeholder, { mode: item.mode ?? 0o100644, compress: true });
    }
    patches.push({
      placeholder: Buffer.from(placeholder + slash, 'utf8'),
      name: Buffer.from(base + slash, 'utf8'),
      ...(item.declaredSize === undefined ? {} : { declaredSize: item.declaredSize }),
    });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  const buf = Buffer.concat(chunks);
  for (const patch of patches) patchEntry(buf, patch.placeholder, patch.name, patch.declaredSize);
  return buf;
}

/** Rewrite an entry's name (same length) and optionally its declared size, in the local and central headers. */
function patchEntry(buf: Buffer, placeholder: Buffer, name: Buffer, declaredSize?: number): void {
  if (placeholder.length !== name.length) throw new Error(`patchEntry: ${name.toString()} changes length`);
  let found = 0;
  for (let i = 0; i + 4 <= buf.length; i += 1) {
    const sig = buf.readUInt32LE(i);
    const local = sig === 0x04034b50;
    const central = sig === 0x02014b50;
    if (!local && !central) continue;
    const nameAt = i + (local ? 30 : 46);
    const nameLength = buf.readUInt16LE(i + (local ? 26 : 28));
    if (nameLength !== placeholder.length || !buf.subarray(nameAt, nameAt + nameLength).equals(placeholder)) continue;
    name.copy(buf, nameAt);
    if (declaredSize !== undefined) buf.writeUInt32LE(declaredSize, i + (local ? 22 : 24));
    found += 1;
  }
  if (found < 2) throw new Error(`patchEntry: ${name.toString()} found ${found} times`);
}
