/** @jsxImportSource hono/jsx */
import { Buffer } from 'node:buffer';
import type { Hono } from 'hono';
import { page, seeOther, type Web, type WebContext, type WebEnv } from '../context.tsx';
import { codeErrorsOf, errorsOf, readForm, statusOf } from '../form.ts';
import { CodeForm, type FormErrors } from '../layout.tsx';
import { accountAction, accountFailure, wrongPassword } from './account.tsx';

/**
 * The otpauth URL as a QR code: an SVG made here, shown as a data: image (the policy allows data:
 * images only). The encoder is loaded at the first enrolment, not at start.
 */
async function qrImage(otpauthUrl: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  const svg = await QRCode.toString(otpauthUrl, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

function Enrolment({ c, qr, secret, errors }: { c: WebContext; qr: string; secret: string; errors?: FormErrors }) {
  return (
    <>
      <p>Scan this code with your authenticator app, or type the key below into it. Then enter the 6-digit code it shows.</p>
      <img class="qr" src={qr} alt="QR code for your authenticator app" width="192" height="192" />
      <p>
        Key: <code class="secret">{secret}</code>
      </p>
      <CodeForm action="/account/two-factor" visit={c.get('visit')} label="Confirm authenticator app" errors={errors} inputmode="numeric" />
      <p>
        <a href="/account">Cancel</a>
      </p>
    </>
  );
}

const RecoveryCodes = ({ codes }: { codes: string[] }) => (
  <>
    <p role="status" class="notice">
      Two-factor authentication is on. Keep these recovery codes somewhere safe: each signs you in once if you lose your authenticator. They
      are not shown again.
    </p>
    <ul class="codes" aria-label="Recovery codes">
      {codes.map((code) => (
        <li>{code}</li>
      ))}
    </ul>
    <p>
      <a href="/account">Back to your account</a>
    </p>
  </>
);

/** The authenticator app (enrolment with a QR code, recovery codes, turning it off) and passkeys of `/account`. */
export function twoFactorPages(app: Hono<WebEnv>, web: Web) {
  const { callAs, update } = web.sessions;

  const enrolmentPage = async (c: WebContext, errors?: FormErrors, status: 200 | 400 = 200) => {
    const enrolment = c.get('visit').signedIn?.totpEnrolment;
    if (!enrolment) return seeOther(c, '/account');
    const qr = await qrImage(enrolment.otpauthUrl);
    return page(c, 'Set up authenticator app', <Enrolment c={c} qr={qr} secret={enrolment.secret} errors={errors} />, { status });
  };

  app.post('/account/totp', async (c) => {
    const visit = c.get('visit');
    const { password = '' } = await readForm(c);
    const answer = await callAs<{ secret: string; otpauthUrl: string }>(c, visit, 'POST', '/api/users/me/mfa/totp', { password });
    if (answer.status === 200) {
      await update(c, { ...visit.signedIn!, totpEnrolment: answer.body });
      return seeOther(c, '/account/two-factor');
    }
    return accountFailure(web, c, 'two-factor', answer, wrongPassword('password'));
  });

  app.get('/account/two-factor', (c) => enrolmentPage(c));

  app.post('/account/two-factor', async (c) => {
    const visit = c.get('visit');
    const { code = '' } = await readForm(c);
    const answer = await callAs<{ recoveryCodes: string[] }>(c, visit, 'POST', '/api/users/me/mfa/totp/confirm', { code: code.trim() });
    if (answer.status !== 200) return enrolmentPage(c, codeErrorsOf(answer), statusOf(answer));
    const { totpEnrolment: _done, ...signedIn } = visit.signedIn!;
    await update(c, signedIn);
    return page(c, 'Recovery codes', <RecoveryCodes codes={answer.body.recoveryCodes} />);
  });

  app.post('/account/recovery-codes', async (c) => {
    const { password = '' } = await readForm(c);
    const answer = await callAs<{ recoveryCodes: string[] }>(c, c.get('visit'), 'POST', '/api/users/me/mfa/recovery-codes', { password });
    if (answer.status === 200) return page(c, 'Recovery codes', <RecoveryCodes codes={answer.body.recoveryCodes} />);
    return accountFailure(web, c, 'codes', answer, wrongPassword('password'));
  });

  app.post(
    '/account/totp/disable',
    accountAction(
      web,
      'totp-off',
      (c, { password = '' }) => callAs(c, c.get('visit'), 'DELETE', '/api/users/me/mfa/totp', { password }),
      'totp-disabled',
      wrongPassword('password'),
    ),
  );

  app.post(
    '/account/passkeys/:id/remove',
    accountAction(
      web,
      'passkeys',
      (c) => callAs(c, c.get('visit'), 'DELETE', `/api/users/me/passkeys/${encodeURIComponent(c.req.param('id') ?? '')}`),
      'passkey-removed',
    ),
  );

  // The passkey script's registration ceremony, relayed as JSON with the session's token.
  app.post('/account/passkeys/options', async (c) => {
    const answer = await callAs(c, c.get('visit'), 'POST', '/api/users/me/passkeys/options');
    return c.json(answer.body, answer.status as 200);
  });
  app.post('/account/passkeys', async (c) => {
    const { credential, name } = (await c.req.json().catch(() => ({}))) as { credential?: unknown; name?: unknown };
    const json = { credential, ...(typeof name === 'string' && name.trim() ? { name: name.trim().slice(0, 100) } : {}) };
    const answer = await callAs(c, c.get('visit'), 'POST', '/api/users/me/passkeys', json);
    if (answer.status === 201) return c.json({ location: '/account?done=passkey-added' });
    return c.json({ error: errorsOf(answer).form ?? 'That passkey could not be added.' }, answer.status as 400);
  });
}
