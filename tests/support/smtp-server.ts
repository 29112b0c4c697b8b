import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { freePort } from './redis-server.ts';

/** A mail as the test server received it, its MIME parts decoded. */
export interface ReceivedMail {
  /** The envelope's sender and recipients (MAIL FROM, RCPT TO). */
  envelope: { from: string; to: string[] };
  /** Header names lower-cased; the first of each. */
  headers: Record<string, string>;
  subject: string;
  text: string;
  html: string;
  /** Every http(s) link of the text part. */
  links: string[];
}

/** An SMTP server of a test's own, on loopback, that keeps what it receives. */
export interface TestSmtpServer {
  /** `smtp://…` (or `smtps://…` when started `secure`), credentials included when it requires them. */
  url: string;
  port: number;
  /** Every mail received so far, oldest first. */
  received: ReceivedMail[];
  /** The first mail received (now or within `timeoutMs`) that `matches`; rejects when none comes. */
  waitFor(matches: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** An outage: stops listening and drops every open connection. */
  stop(): Promise<void>;
  /** Listens again on the same port (when stopped; a running server stays as it is). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** Requires AUTH with these credentials (over plain SMTP too). */
  auth?: { user: string; pass: string };
  /** TLS from the first byte (smtps) with a certificate made for `localhost` and 127.0.0.1; `ca` is what a client must trust. */
  secure?: boolean;
}

/**
 * A self-signed certificate for localhost and 127.0.0.1, valid a day (openssl). smtp-server's
 * built-in one expired in 2025.
 */
export function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'smtp-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
        ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
        ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a server on a free loopback port. */
export async function startTestSmtpServer({ auth, secure = false }: TestSmtpOptions = {}): Promise<TestSmtpServer & { cert?: string }> {
  const port = await freePort();
  const tls = secure ? selfSignedCertificate() : undefined;
  const received: ReceivedMail[] = [];
  const waiting = new Set<() => void>();
  let server: SMTPServer | undefined;

  const make = () =>
    new SMTPServer({
      logger: false,
      secure,
      ...(tls ?? {}),
      // No STARTTLS on plain SMTP: a client would upgrade and meet a certificate it cannot trust.
      disabledCommands: secure ? [] : ['STARTTLS'],
      authOptional: !auth,
      allowInsecureAuth: true,
      // Connections still open when stop() is called are cut at once, as an outage would.
      closeTimeout: 1,
      onAuth(credentials, _session, callback) {
        if (auth && credentials.username === auth.user && credentials.password === auth.pass) return callback(null, { user: auth.user });
        callback(new Error('Invalid username or password'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const envelope = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          };
          received.push({ envelope, ...parseMessage(Buffer.concat(chunks).toString('utf8')) });
          for (const wake of waiting) wake();
          callback();
        });
      },
    });

  const start = async () => {
    if (server) return;
    const listening = make();
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => resolve());
    });
    listening.on('error', () => {}); // a client's broken connection, say: nothing for the test to do
    server = listening;
  };
  const stop = async () => {
    const closing = server;
    server = undefined;
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  await start();

  const credentials = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@` : '';
  return {
    url: `${secure ? 'smtps' : 'smtp'}://${credentials}127.0.0.1:${port}`,
    port,
    cert: tls?.cert,
    received,
    waitFor(matches, timeoutMs = 10_000) {
      const found = received.find(matches);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const check = () => {
          const mail = received.find(matches);
          if (!mail) return;
          done();
          resolve(mail);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no matching mail within ${timeoutMs} ms (received ${received.length})`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiting.delete(check);
        };
        waiting.add(check);
      });
    },
    stop,
    start,
    close: stop,
  };
}

/** Headers (unfolded, names lower-cased) and body of one MIME entity. */
function splitEntity(raw: string): { headers: Record<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] ??= line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function decodeBody(body: string, encoding = '7bit'): string {
  const kind = encoding.toLowerCase();
  if (kind === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (kind === 'quoted-printable') {
    const joined = body.replace(/=\r?\n/g, ''); // soft line breaks
    const pieces = joined
      .split(/(=[0-9A-F]{2})/i)
      .map((piece) => (/^=[0-9A-F]{2}$/i.test(piece) ? Buffer.from([Number.parseInt(piece.slice(1), 16)]) : Buffer.from(piece, 'utf8')));
    return Buffer.concat(pieces).toString('utf8');
  }
  return body;
}

/** The text and HTML parts of a message as nodemailer writes one (single part, or multipart/alternative). */
function parseMessage(raw: string): Omit<ReceivedMail, 'envelope'> {
  const { headers, body } = splitEntity(raw);
  const parts: Record<string, string> = {};
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  const entities = boundary
    ? body
        .split(`--${boundary}`)
        .slice(1, -1)
        .map((part) => splitEntity(part.replace(/^\r?\n/, '')))
    : [{ headers, body }];
  for (const entity of entities) {
    const type = (entity.headers['content-type'] ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
    parts[type] = decodeBody(entity.body, entity.headers['content-transfer-encoding']).replace(/\r\n/g, '\n');
  }
  const text = parts['text/plain'] ?? '';
  return {
    headers,
    subject: headers.subject ?? '',
    text,
    html: parts['text/html'] ?? '',
    links: text.match(/https?:\/\/[^\s<>"']+/g) ?? [],
  };
}
