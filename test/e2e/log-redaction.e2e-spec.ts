import { readFileSync } from 'node:fs';
import { bearer, createUser, eventually, upload, url, waitForUpload } from './support/api-client';
import { readState } from './support/e2e-env';
import { smallJpeg } from './support/photos';
import { openStream } from './support/sse-client';

/** What the api logs of a request must not let anyone who reads the log act as the user. */
describe('the api log', () => {
  const apiLog = () => readFileSync(readState().processes.find((p) => p.name === 'api')!.log, 'utf8');

  it('holds no bearer token, stream ticket or URL signature of the requests it logged', async () => {
    const ivy = await createUser('redact');
    const id = await upload(ivy, { data: await smallJpeg(9301), name: 'r.jpg', type: 'image/jpeg' });
    const done = await waitForUpload(ivy, id);
    const thumbnail = done.thumbnails[0]!.url;
    const signature = new URL(thumbnail, url('/')).searchParams.get('sig')!;
    expect((await fetch(new URL(thumbnail, url('/')))).status).toBe(200);

    const issued = await fetch(url('/v1/notifications/tickets'), { method: 'POST', headers: bearer(ivy) });
    const { ticket } = (await issued.json()) as { ticket: string };
    const stream = await openStream(url(`/v1/notifications/stream?ticket=${ticket}`));
    expect(stream.status).toBe(200);
    stream.close();

    // Each of those requests has its line (the stream's once it has ended), with the credentials blanked.
    const lines = await eventually(
      'the lines of the stream and the thumbnail',
      async () => apiLog().split('\n').filter((l) => l.includes('/v1/notifications/stream?ticket=') || l.includes(`/v1/uploads/${id}/thumbnails/`)),
      (found) => found.some((l) => l.includes('stream?ticket=[redacted]')) && found.some((l) => l.includes('sig=[redacted]')),
      10_000,
    );
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const log = apiLog();
    for (const secret of [ivy.token, ticket, signature]) expect(log).not.toContain(secret);
  });
});
