import { unsubscribeUrl } from '@darkroom/contracts';
import type { UserSession } from './support/api-client';
import { eventually } from './support/api-client';
import { smallJpeg } from './support/photos';
import { stopApp } from './support/app-process';
import { PrivateStack } from './support/private-stack';
import { startSmtpReceiver } from './support/smtp-receiver';

/**
 * E-mail through a real SMTP server started here (smtp-server, parsed with mailparser), on a stack of this
 * suite's own whose notifier sends to it: one e-mail per notification, then a digest, and an unsubscribe link
 * that works.
 */
describe('e-mail notifications', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let stack: PrivateStack;
  let notifier: Awaited<ReturnType<PrivateStack['notifier']>>;
  let seq = 0;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    stack = new PrivateStack('email', { SMTP_URL: smtp.url, MAIL_FROM: 'darkroom <hello@darkroom.test>' });
    await stack.start();
    stack.env.PUBLIC_URL = stack.apiUrl;
    const worker = await stack.worker('email-worker');
    notifier = await stack.notifier('email-notifier', { PUBLIC_URL: stack.apiUrl });
    await Promise.all([worker.ready, notifier.ready]);
  });

  afterAll(async () => {
    await stack.close();
    await smtp.close();
  });

  const signUp = async (name: string): Promise<UserSession & { email: string }> => {
    const handle = `${name}_${stack.env.REDIS_PREFIX!.slice(-12)}`.slice(0, 30).toLowerCase();
    const email = `${handle}@example.test`;
    const response = await fetch(`${stack.apiUrl}/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle, email }) });
    expect(response.status).toBe(201);
    return { ...((await response.json()) as UserSession), email };
  };
  const post = async (owner: UserSession) => {
    const id = await stack.upload(owner, await smallJpeg(300 + seq++), 'mail.jpg');
    await eventually(`upload ${id} to be done`, () => stack.view(owner, id), (u) => u.status === 'done', 60_000);
    return id;
  };
  const follow = async (fan: UserSession, owner: UserSession) =>
    expect((await fetch(`${stack.apiUrl}/v1/users/${owner.handle}/follow`, { method: 'PUT', headers: { authorization: `Bearer ${fan.token}` } })).status).toBe(204);

  it('e-mails the owner and each follower once per notification, in a text and an HTML part with an unsubscribe link', async () => {
    const [owner, fan] = await Promise.all([signUp('mail_own'), signUp('mail_fan')]);
    await follow(fan, owner);

    await post(owner);

    await eventually('both e-mails', async () => smtp.to(owner.email).length + smtp.to(fan.email).length, (n) => n === 2, 30_000);
    const [toOwner] = smtp.to(owner.email);
    const [toFan] = smtp.to(fan.email);
    expect(toOwner!.subject).toBe('Your photo is developed and ready to share');
    expect(toFan!.subject).toBe(`@${owner.handle} posted a new photo`);
    expect(toFan!.from?.value).toEqual([{ name: 'darkroom', address: 'hello@darkroom.test' }]);
    expect(toFan!.text).toContain(`Hello @${fan.handle},`);
    expect(toFan!.html).toContain(`@${owner.handle} posted a new photo.`);
    const unsubscribe = `${stack.apiUrl}/v1/email/unsubscribe?user=${fan.id}&token=`;
    expect(toFan!.text).toContain(unsubscribe);
    expect(toFan!.html).toContain(unsubscribe.replace(/&/g, '&amp;'));
    // RFC 8058 one-click: mail clients POST the link themselves
    expect(toFan!.headers.get('list')).toEqual({ unsubscribe: { url: /(http:\/\/\S+unsubscribe\?\S+)/.exec(toFan!.text!)![1] }, 'unsubscribe-post': { name: 'List-Unsubscribe=One-Click' } });
    const rows = await stack.sql<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM deliveries WHERE channel = 'email' GROUP BY status`);
    expect(rows).toEqual([{ status: 'delivered', n: '2' }]);
  });

  it('stops e-mailing someone who followed the unsubscribe link', async () => {
    const [owner, fan] = await Promise.all([signUp('unsub_own'), signUp('unsub_fan')]);
    await follow(fan, owner);
    await post(owner);
    await eventually("the follower's e-mail", async () => smtp.to(fan.email).length, (n) => n === 1, 30_000);
    const link = /(http:\/\/\S+\/v1\/email\/unsubscribe\?\S+)/.exec(smtp.to(fan.email)[0]!.text!)![1]!;

    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('You are unsubscribed');
    const preferences = (await (await fetch(`${stack.apiUrl}/v1/me/preferences`, { headers: { authorization: `Bearer ${fan.token}` } })).json()) as { email: unknown };
    expect(preferences.email).toEqual({ 'upload.processed': false, 'upload.failed': false, 'followee.posted': false });

    const next = await post(owner);
    await eventually('the owner to get the second e-mail', async () => smtp.to(owner.email).length, (n) => n === 2, 30_000);
    const [{ n }] = await stack.sql<{ n: string }>(
      `SELECT count(*) AS n FROM deliveries d JOIN notifications x ON x.id = d.notification_id WHERE d.channel = 'email' AND x.user_id = $1 AND x.upload_id = $2`,
      [fan.id, next],
    );
    expect(n).toBe('0');
    expect(smtp.to(fan.email)).toHaveLength(1);
  });

  it('refuses a forged or altered unsubscribe link with a 400, and takes the one-click POST', async () => {
    const fan = await signUp('click_fan');
    const forged = await fetch(`${stack.apiUrl}/v1/email/unsubscribe?user=${fan.id}&token=forged`);
    expect(forged.status).toBe(400);
    expect(await forged.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: 'this unsubscribe link is not valid; use the link of a darkroom e-mail as it came' });

    const link = unsubscribeUrl(stack.apiUrl, String(stack.env.URL_SIGNING_SECRET), fan.id);
    const other = await signUp('click_other');
    expect((await fetch(link.replace(fan.id, other.id), { method: 'POST' })).status).toBe(400);
    const oneClick = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect(await oneClick.json()).toEqual({ unsubscribed: true });
  });

  it('gathers several notifications into one digest when EMAIL_DIGEST_SECONDS is set', async () => {
    await stopApp(notifier.app.child);
    notifier = await stack.notifier('email-digest-notifier', { PUBLIC_URL: stack.apiUrl, EMAIL_DIGEST_SECONDS: '4' });
    await notifier.ready;
    const [a, b, fan] = await Promise.all([signUp('dig_a'), signUp('dig_b'), signUp('dig_fan')]);
    await Promise.all([follow(fan, a), follow(fan, b)]);

    await Promise.all([post(a), post(b), post(a)]);

    await eventually("the follower's digest", async () => smtp.to(fan.email).length, (n) => n >= 1, 30_000);
    // the three notifications were recorded within the digest's wait: one e-mail names them all
    const [digest] = smtp.to(fan.email);
    expect(smtp.to(fan.email)).toHaveLength(1);
    expect(digest!.subject).toBe('3 new notifications on darkroom');
    expect(digest!.text!.match(/^- @\S+ posted a new photo\.$/gm)).toHaveLength(3);
    expect(digest!.html).toContain('<ul>');
  });
});
