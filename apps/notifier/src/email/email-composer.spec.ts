import type { EmailBatch } from '@darkroom/database';
import { composeEmail } from './email-composer';

const notification = (kind: 'followee.posted' | 'upload.processed' | 'upload.failed', actorHandle = 'ada') => ({
  id: 'n1',
  attempts: 0,
  notification: { id: 'n1', userId: 'u1', kind, uploadId: 'p1', actorHandle, createdAt: '2026-12-03T08:00:00.000Z' },
});
const batch = (...deliveries: EmailBatch['deliveries']): EmailBatch => ({ userId: 'u1', email: 'bob@example.test', handle: 'bob', deliveries });
const LINK = 'https://darkroom.example/v1/email/unsubscribe?user=u1&token=t';

describe('composeEmail', () => {
  it('says one notification in the subject, and the same in both parts, with the unsubscribe link', () => {
    const mail = composeEmail(batch(notification('followee.posted')), LINK, 'https://darkroom.example');

    expect(mail.subject).toBe('@ada posted a new photo');
    expect(mail.text).toBe(
      ['Hello @bob,', '', '@ada posted a new photo.', '', 'Open darkroom: https://darkroom.example/', '', `You get these e-mails because e-mail notifications are on for your account. Stop them: ${LINK}`].join('\n'),
    );
    expect(mail.html).toContain('<p>@ada posted a new photo.</p>');
    expect(mail.html).toContain('href="https://darkroom.example/v1/email/unsubscribe?user=u1&amp;token=t"');
  });

  it.each([
    ['upload.processed', 'Your photo is developed and ready to share'],
    ['upload.failed', 'Your photo could not be developed; open darkroom to see why'],
  ] as const)('words %s for the owner', (kind, subject) => {
    expect(composeEmail(batch(notification(kind)), LINK, 'https://d.example').subject).toBe(subject);
  });

  it('lists every notification of a digest', () => {
    const mail = composeEmail(batch(notification('followee.posted', 'ada'), notification('followee.posted', 'cy'), notification('upload.processed')), LINK, 'https://d.example');

    expect(mail.subject).toBe('3 new notifications on darkroom');
    expect(mail.text).toContain('- @ada posted a new photo.\n- @cy posted a new photo.\n- Your photo is developed and ready to share.');
    expect(mail.html).toContain('<ul><li>@ada posted a new photo.</li><li>@cy posted a new photo.</li><li>Your photo is developed and ready to share.</li></ul>');
  });

  it('escapes what goes into the HTML', () => {
    const mail = composeEmail(batch(notification('followee.posted')), 'https://d.example/u?a=1&b="2"', 'https://d.example');

    expect(mail.html).toContain('href="https://d.example/u?a=1&amp;b=&quot;2&quot;"');
  });
});
