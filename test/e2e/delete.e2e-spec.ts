import { bearer, createUser, eventually, upload, url, UserSession, waitForUpload } from './support/api-client';
import { logLines, sql, storedFiles } from './support/inspect';
import { grainyJpeg, smallJpeg } from './support/photos';

const del = (session: UserSession, id: string) => fetch(url(`/v1/uploads/${id}`), { method: 'DELETE', headers: bearer(session) });
const follow = (session: UserSession, handle: string) => fetch(url(`/v1/users/${handle}/follow`), { method: 'PUT', headers: bearer(session) });
const getJson = async <T>(session: UserSession, path: string): Promise<T> => {
  const response = await fetch(url(path), { headers: bearer(session) });
  if (!response.ok) throw new Error(`GET ${path} → ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
};
const feedIds = async (session: UserSession) => (await getJson<{ items: Array<{ id: string }> }>(session, '/v1/feed')).items.map((i) => i.id);
const filesOf = (id: string) => storedFiles().filter((key) => key.includes(id));

describe('DELETE /v1/uploads/:id', () => {
  let owner: UserSession;
  let fan: UserSession;

  beforeAll(async () => {
    [owner, fan] = await Promise.all([createUser('del_owner'), createUser('del_fan')]);
    expect((await follow(fan, owner.handle)).status).toBe(204);
  });

  it('leaves no file, row or notification of the upload, and it is gone from feeds, profiles and links', async () => {
    const keep = await upload(owner, { data: await smallJpeg(8001), name: 'keep.jpg', type: 'image/jpeg' });
    const id = await upload(owner, { data: await smallJpeg(8002), name: 'gone.jpg', type: 'image/jpeg' });
    const view = await waitForUpload(owner, id);
    await waitForUpload(owner, keep);
    await eventually(
      "the follower's notification",
      () => sql(`SELECT 1 FROM notifications WHERE upload_id = $1 AND user_id = $2 AND kind = 'followee.posted'`, [id, fan.id]),
      (rows) => rows.length === 1,
    );
    // Warm every cache that holds the upload: the follower's first feed page and the owner's profile counts.
    expect(await feedIds(fan)).toEqual([id, keep]);
    expect((await getJson<{ uploads: number }>(fan, `/v1/users/${owner.handle}`)).uploads).toBe(2);
    expect(filesOf(id)).toHaveLength(4); // the original and three thumbnails

    const byFan = await del(fan, id);
    expect(byFan.status).toBe(404); // a follower may see it, never delete it
    expect(await byFan.json()).toMatchObject({ statusCode: 404, message: `upload ${id} not found` });
    expect((await del(owner, id)).status).toBe(204);

    for (const table of ['uploads WHERE id', 'thumbnails WHERE upload_id', 'notifications WHERE upload_id']) {
      expect(await sql(`SELECT 1 FROM ${table} = $1`, [id])).toEqual([]);
    }
    expect(await sql(`SELECT key FROM storage_garbage WHERE key LIKE '%' || $1 || '%'`, [id])).toEqual([]);
    expect(filesOf(id)).toEqual([]);
    expect(storedFiles().filter((key) => key.startsWith(`thumbnails/${id}`))).toEqual([]);

    expect(await feedIds(fan)).toEqual([keep]);
    expect((await getJson<{ uploads: number }>(fan, `/v1/users/${owner.handle}`)).uploads).toBe(1);
    expect((await fetch(url(`/v1/uploads/${id}`), { headers: bearer(owner) })).status).toBe(404);
    expect((await fetch(url(view.thumbnails[0]!.url))).status).toBe(404); // a signed link handed out before
    const notifications = await getJson<{ items: Array<{ uploadId: string }> }>(fan, '/v1/notifications');
    expect(notifications.items.map((n) => n.uploadId)).not.toContain(id);
    expect((await del(owner, id)).status).toBe(404);
  });

  it('answers 400 to a malformed id and 401 without a token', async () => {
    const bad = await del(owner, 'not-a-uuid');
    expect(bad.status).toBe(400);
    expect((await fetch(url('/v1/uploads/2b1d3c4e-5f60-4718-8a9b-0c1d2e3f4a5b'), { method: 'DELETE' })).status).toBe(401);
  });

  it('leaves no thumbnails behind when the upload is deleted while a worker develops it', async () => {
    const photos = await Promise.all([grainyJpeg(3000, 2000), grainyJpeg(3000, 2000)]);
    const ids = await Promise.all(photos.map((data, i) => upload(owner, { data, name: `race-${i}.jpg`, type: 'image/jpeg' })));
    // One deleted as soon as a worker has it, one while it may still be queued.
    await eventually('a worker to pick the first up', () => sql<{ status: string }>(`SELECT status FROM uploads WHERE id = $1`, [ids[0]]), (r) => r[0]?.status !== 'queued', 30_000);
    for (const id of ids) expect((await del(owner, id)).status).toBe(204);

    await eventually(
      'the workers to be done with both',
      // finished before the DELETE ('upload developed'), or found it gone while or before it worked
      async () => new Set([...logLines('worker-a'), ...logLines('worker-b')].filter((l) => ids.includes(l.uploadId ?? '') && /nothing (to do|recorded)|upload developed/.test(l.msg)).map((l) => l.uploadId)).size,
      (n) => n === 2,
      60_000,
    );
    for (const id of ids) expect(filesOf(id)).toEqual([]);
    expect(await sql(`SELECT 1 FROM notifications WHERE upload_id = ANY($1)`, [ids])).toEqual([]);
  });
});
