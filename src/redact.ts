/**
 * Secrets never leave the process: every line healer prints goes through a Redactor that knows the tokens in use.
 * Tokens are registered as soon as they are read (env, files, flags), before anything can print them.
 */
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined | null): void {
    if (!secret) return;
    const trimmed = secret.trim();
    if (trimmed.length >= MIN_SECRET_LENGTH) this.secrets.add(trimmed);
    if (secret.length >= MIN_SECRET_LENGTH) this.secrets.add(secret);
    // URL-encoded forms leak through query strings and form bodies.
    const encoded = encodeURIComponent(trimmed);
    if (encoded !== trimmed && encoded.length >= MIN_SECRET_LENGTH) this.secrets.add(encoded);
  }

  get size(): number {
    return this.secrets.size;
  }

  redact(text: string): string {
    if (this.secrets.size === 0) return text;
    let out = text;
    // Longest first so a secret that contains another is replaced whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
    }
    return out;
  }
}

/** The process-wide redactor used by the output layer. */
export const redactor = new Redactor();
