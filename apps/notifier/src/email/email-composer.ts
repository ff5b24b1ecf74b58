import type { EmailBatch } from '@darkroom/database';

export interface ComposedEmail {
  subject: string;
  text: string;
  html: string;
}

type Notification = EmailBatch['deliveries'][number]['notification'];

/** One line about one notification, as a person would say it. */
function sentence(n: Notification): string {
  switch (n.kind) {
    case 'followee.posted':
      return `@${n.actorHandle} posted a new photo.`;
    case 'upload.processed':
      return 'Your photo is developed and ready to share.';
    case 'upload.failed':
      return 'Your photo could not be developed; open darkroom to see why.';
    case 'webhook.disabled':
      return 'darkroom stopped sending to one of your webhook endpoints after its deliveries kept failing; see your webhooks in darkroom.';
  }
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);

/**
 * The e-mail for a batch (one notification, or a digest of several): a plain-text and an HTML part saying the
 * same, each ending with the unsubscribe link. Nothing a user wrote goes in but handles, which are [a-z0-9_].
 */
export function composeEmail(batch: EmailBatch, unsubscribeUrl: string, publicUrl: string): ComposedEmail {
  const lines = batch.deliveries.map((d) => sentence(d.notification));
  const subject = lines.length === 1 ? lines[0]!.replace(/\.$/, '') : `${lines.length} new notifications on darkroom`;
  const greeting = `Hello @${batch.handle},`;
  const text = [greeting, '', ...lines.map((l) => (lines.length > 1 ? `- ${l}` : l)), '', `Open darkroom: ${publicUrl}/`, '', `You get these e-mails because e-mail notifications are on for your account. Stop them: ${unsubscribeUrl}`].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">',
    `<p>${escapeHtml(greeting)}</p>`,
    lines.length > 1 ? `<ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` : `<p>${escapeHtml(lines[0]!)}</p>`,
    `<p><a href="${escapeHtml(publicUrl)}/">Open darkroom</a></p>`,
    `<p style="color:#666;font-size:small">You get these e-mails because e-mail notifications are on for your account. <a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe</a></p>`,
    '</body></html>',
  ].join('');
  return { subject, text, html };
}
