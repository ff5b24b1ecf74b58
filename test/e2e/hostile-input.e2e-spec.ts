import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { bearer, createUser, eventually, url, UserSession, waitForUpload } from './support/api-client';
import { readState } from './support/e2e-env';
import { sql, storedFiles } from './support/inspect';
import { smallJpeg, truncatedJpeg } from './support/photos';

/**
 * Hostile and odd input, one row per case, each with the exact answer it must get: a 4xx JSON error
 * naming the problem, or an accepted upload that ends `done`, or `failed` with a reason. Never a 5xx.
 * Then: nothing on the volume without its row, no row without its files, and every process still up.
 */

// ---- images made here, not committed -------------------------------------------------------------

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (data: Buffer) => {
  let c = 0xffffffff;
  for (const byte of data) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type: string, data: Buffer) => {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
};
/** A PNG whose header claims width × height, with a few bytes of (far too little) pixel data. */
function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(64))), chunk('IEND', Buffer.alloc(0))]);
}

const solid = (width: number, height: number, background = '#3070b0') => sharp({ create: { width, height, channels: 3, background } });
const frames = async (n: number) => Promise.all(Array.from({ length: n }, (_, i) => solid(64, 48, ['#c02020', '#20c020', '#2020c0'][i % 3]).png().toBuffer()));

// ---- raw multipart, so a test controls every byte (invalid UTF-8, NUL, two file parts) ------------

interface RawPart {
  name: Buffer | string;
  filename?: Buffer | string;
  /** RFC 5987 `filename*=utf-8''…`, percent-encoded: how a NUL or another control byte gets past busboy */
  filenameStar?: string;
  type?: string;
  data: Buffer | string;
}
function multipart(parts: RawPart[]): { body: Buffer; contentType: string } {
  const boundary = `----hostile${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = [Buffer.from('form-data; name="'), Buffer.from(part.name), Buffer.from('"')];
    if (part.filename !== undefined) disposition.push(Buffer.from('; filename="'), Buffer.from(part.filename), Buffer.from('"'));
    if (part.filenameStar !== undefined) disposition.push(Buffer.from(`; filename*=utf-8''${part.filenameStar}`));
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: `), ...disposition, Buffer.from('\r\n'));
    if (part.type) chunks.push(Buffer.from(`Content-Type: ${part.type}\r\n`));
    chunks.push(Buffer.from('\r\n'), Buffer.from(part.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
const filePart = (data: Buffer, filename: Buffer | string = 'photo.jpg', type = 'image/jpeg'): RawPart => ({ name: 'file', filename, type, data });

// ---- the table ----------------------------------------------------------------------------------

interface Ctx {
  me: UserSession;
  other: UserSession;
  otherUploadId: string;
  notificationId: string;
  jpeg: Buffer;
}

type Request = { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string; auth?: 'me' | 'none' | string };
type Expected =
  | { status: number; error: string; message: RegExp | string | string[] }
  | { accepted: 'done'; check?: (view: Record<string, unknown>) => void }
  | { accepted: 'failed'; reason: RegExp };

interface Case {
  name: string;
  request: (ctx: Ctx) => Promise<Request> | Request;
  expect: Expected;
}

const upload = async (parts: RawPart[], extraHeaders: Record<string, string> = {}): Promise<Request> => {
  const { body, contentType } = multipart(parts);
  return { method: 'POST', path: '/v1/uploads', headers: { 'content-type': contentType, ...extraHeaders }, body };
};
const json = (method: string, path: string, body: Buffer | string): Request => ({ method, path, headers: { 'content-type': 'application/json' }, body });
const signUp = (body: Buffer | string) => ({ ...json('POST', '/v1/users', body), auth: 'none' as const });
const handle = () => `h_${randomBytes(5).toString('hex')}`;
const invalidUtf8 = Buffer.from([0x63, 0x61, 0xff, 0xfe, 0xc3, 0x28]); // "ca", then bytes that are no UTF-8
const BAD_REQUEST = 'Bad Request';
const notImage = /is not a supported image/;

const cases: Case[] = [
  // files that are not what they claim
  { name: 'an empty file', request: () => upload([filePart(Buffer.alloc(0), 'empty.jpg')]), expect: { status: 415, error: 'Unsupported Media Type', message: /"empty\.jpg" is not a supported image/ } },
  { name: 'text named photo.png', request: () => upload([filePart(Buffer.from('hello, I am text\n'.repeat(50)), 'photo.png', 'image/png')]), expect: { status: 415, error: 'Unsupported Media Type', message: notImage } },
  { name: 'an SVG with a script', request: () => upload([filePart(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><script>alert(1)</script><rect width="100" height="100"/></svg>'), 'x.svg', 'image/svg+xml')]), expect: { status: 415, error: 'Unsupported Media Type', message: notImage } },
  { name: 'an HTML page named .jpg', request: () => upload([filePart(Buffer.from('<!doctype html><html><body><script>fetch("/steal")</script></body></html>'), 'page.jpg')]), expect: { status: 415, error: 'Unsupported Media Type', message: notImage } },
  { name: 'a GIF/JS polyglot header (GIF89a/*…*/=alert(1))', request: () => upload([filePart(Buffer.from('GIF89a/*\x00\x00\x00\x00*/=alert(document.domain)//;'), 'poly.gif', 'image/gif')]), expect: { status: 415, error: 'Unsupported Media Type', message: notImage } },
  { name: 'a valid JPEG with HTML appended (polyglot)', request: async (c) => upload([filePart(Buffer.concat([c.jpeg, Buffer.from('<html><script>alert(1)</script></html>')]), 'tail.jpg')]), expect: { accepted: 'done' } },
  { name: 'a truncated JPEG', request: async () => upload([filePart(await truncatedJpeg(), 'cut.jpg')]), expect: { accepted: 'failed', reason: /truncated|incomplete|damaged/ } },
  // decompression bombs: many pixels in a tiny file
  { name: 'a PNG header claiming 50000×50000', request: () => upload([filePart(pngClaiming(50_000, 50_000), 'bomb.png', 'image/png')]), expect: { status: 413, error: 'Payload Too Large', message: /50000×50000 = 2500000000 pixels.*MAX_INPUT_PIXELS/ } },
  { name: 'a PNG header claiming 1×100000000 (a long strip)', request: () => upload([filePart(pngClaiming(1, 100_000_000), 'strip.png', 'image/png')]), expect: { status: 413, error: 'Payload Too Large', message: /MAX_INPUT_PIXELS/ } },
  { name: 'a real 7000×6000 flat PNG (42 MP in kilobytes)', request: async () => upload([filePart(await solid(7000, 6000).png({ compressionLevel: 9 }).toBuffer(), 'flat.png', 'image/png')]), expect: { status: 413, error: 'Payload Too Large', message: /7000×6000.*MAX_INPUT_PIXELS/ } },
  { name: 'a PNG header claiming 0×0', request: () => upload([filePart(pngClaiming(0, 0), 'zero.png', 'image/png')]), expect: { status: 415, error: 'Unsupported Media Type', message: notImage } },
  // unusual but valid images
  { name: 'a 1×1 PNG', request: async () => upload([filePart(await solid(1, 1).png().toBuffer(), 'dot.png', 'image/png')]), expect: { accepted: 'done' } },
  { name: 'a CMYK JPEG', request: async () => upload([filePart(await solid(400, 300).toColourspace('cmyk').jpeg().toBuffer(), 'cmyk.jpg')]), expect: { accepted: 'done' } },
  { name: 'a 16-bit PNG', request: async () => upload([filePart(await solid(400, 300).toColourspace('rgb16').png().toBuffer(), 'deep.png', 'image/png')]), expect: { accepted: 'done' } },
  { name: 'an animated GIF', request: async () => upload([filePart(await sharp(await frames(3), { join: { animated: true } }).gif().toBuffer(), 'anim.gif', 'image/gif')]), expect: { accepted: 'done' } },
  { name: 'an animated WebP', request: async () => upload([filePart(await sharp(await frames(3), { join: { animated: true } }).webp().toBuffer(), 'anim.webp', 'image/webp')]), expect: { accepted: 'done' } },
  { name: 'a multi-page TIFF', request: async () => upload([filePart(await sharp(await frames(2), { join: { animated: true } }).tiff().toBuffer(), 'pages.tiff', 'image/tiff')]), expect: { accepted: 'done' } },
  { name: 'a valid PNG declared as text/plain', request: async () => upload([filePart(await solid(300, 200).png().toBuffer(), 'notes.txt', 'text/plain')]), expect: { accepted: 'done', check: (v) => expect(v.mime).toBe('image/png') } },
  // the shape of the form
  { name: 'a body over MAX_UPLOAD_BYTES', request: () => upload([filePart(randomBytes(readState().maxUploadBytes + 1024), 'huge.jpg')]), expect: { status: 413, error: 'Payload Too Large', message: /MAX_UPLOAD_BYTES/ } },
  { name: 'no "file" field, only a caption', request: () => upload([{ name: 'caption', data: 'just words' }]), expect: { status: 400, error: BAD_REQUEST, message: /field named "file"/ } },
  { name: 'the photo in a field named "photo"', request: (c) => upload([{ ...filePart(c.jpeg), name: 'photo' }]), expect: { status: 400, error: BAD_REQUEST, message: /unexpected file field "photo"/ } },
  { name: 'two "file" fields', request: (c) => upload([filePart(c.jpeg, 'a.jpg'), filePart(c.jpeg, 'b.jpg')]), expect: { status: 400, error: BAD_REQUEST, message: /exactly one file/ } },
  { name: 'multipart without a boundary', request: () => ({ method: 'POST', path: '/v1/uploads', headers: { 'content-type': 'multipart/form-data' }, body: 'x' }), expect: { status: 400, error: BAD_REQUEST, message: 'Multipart: Boundary not found' } },
  { name: 'a multipart body cut off mid-part', request: async (c) => ({ ...(await upload([filePart(c.jpeg)])), body: multipart([filePart(c.jpeg)]).body.subarray(0, 500) }), expect: { status: 400, error: BAD_REQUEST, message: 'Multipart: Unexpected end of form' } },
  // filenames
  {
    name: 'a path-traversal filename (kept as its last segment, never a path)',
    request: (c) => upload([filePart(c.jpeg, '../../../../etc/passwd.jpg')]),
    expect: { accepted: 'done', check: (v) => expect(v.originalName).toBe('passwd.jpg') },
  },
  { name: 'a 10 KB filename', request: (c) => upload([filePart(c.jpeg, `${'n'.repeat(10 * 1024)}.jpg`)]), expect: { accepted: 'done', check: (v) => expect(v.originalName).toBe('n'.repeat(255)) } },
  // busboy refuses a raw control byte in a part header; percent-encoded in filename* it reaches the api
  { name: 'a filename with a NUL byte', request: (c) => upload([filePart(c.jpeg, 'evil\u0000.jpg')]), expect: { status: 400, error: BAD_REQUEST, message: 'Multipart: Malformed part header' } },
  { name: 'a filename* with a NUL byte', request: (c) => upload([{ ...filePart(c.jpeg), filename: undefined, filenameStar: 'evil%00.jpg' }]), expect: { status: 400, error: BAD_REQUEST, message: 'filename must not contain control characters' } },
  { name: 'a filename* with an escape sequence', request: (c) => upload([{ ...filePart(c.jpeg), filename: undefined, filenameStar: 'evil%1B%5B2J.jpg' }]), expect: { status: 400, error: BAD_REQUEST, message: 'filename must not contain control characters' } },
  { name: 'a filename of invalid UTF-8', request: (c) => upload([filePart(c.jpeg, Buffer.concat([invalidUtf8, Buffer.from('.jpg')]))]), expect: { status: 400, error: BAD_REQUEST, message: 'filename must be valid UTF-8' } },
  // the caption
  { name: 'a caption with a NUL byte', request: (c) => upload([filePart(c.jpeg), { name: 'caption', data: 'nice\u0000shot' }]), expect: { status: 400, error: BAD_REQUEST, message: 'caption must not contain control characters' } },
  { name: 'a caption with an escape sequence', request: (c) => upload([filePart(c.jpeg), { name: 'caption', data: 'red \u001b[31malert' }]), expect: { status: 400, error: BAD_REQUEST, message: 'caption must not contain control characters' } },
  { name: 'a caption of invalid UTF-8', request: (c) => upload([filePart(c.jpeg), { name: 'caption', data: invalidUtf8 }]), expect: { status: 400, error: BAD_REQUEST, message: 'caption must be valid UTF-8' } },
  { name: 'a caption of 2001 characters', request: (c) => upload([filePart(c.jpeg), { name: 'caption', data: 'c'.repeat(2001) }]), expect: { status: 400, error: BAD_REQUEST, message: 'caption must be shorter than or equal to 2000 characters' } },
  { name: 'a caption over the 8 KB field limit', request: (c) => upload([filePart(c.jpeg), { name: 'caption', data: 'c'.repeat(9000) }]), expect: { status: 400, error: BAD_REQUEST, message: 'form field "caption" is too long' } },
  {
    name: 'a caption with line breaks, tabs and emoji (fine)',
    request: (c) => upload([filePart(c.jpeg), { name: 'caption', data: 'line one\r\nline\ttwo 📷' }]),
    expect: { accepted: 'done', check: (v) => expect(v.caption).toBe('line one\r\nline\ttwo 📷') },
  },
  // sign-up: JSON bodies and their text fields
  { name: 'malformed JSON', request: () => signUp('{"handle": "abc",'), expect: { status: 400, error: BAD_REQUEST, message: 'Expected double-quoted property name in JSON at position 17' } },
  { name: 'JSON of invalid UTF-8', request: () => signUp(Buffer.concat([Buffer.from(`{"handle":"${handle()}","displayName":"`), invalidUtf8, Buffer.from('"}')])), expect: { status: 400, error: BAD_REQUEST, message: 'displayName must be valid UTF-8' } },
  { name: 'a JSON array instead of an object', request: () => signUp('[1,2]'), expect: { status: 400, error: BAD_REQUEST, message: ['property 0 should not exist', 'property 1 should not exist', 'handle must be 3-30 characters of a-z, 0-9 and _', 'handle must be a string'] } },
  { name: 'a handle with a NUL byte', request: () => signUp(JSON.stringify({ handle: 'ab\u0000cd' })), expect: { status: 400, error: BAD_REQUEST, message: 'handle must be 3-30 characters of a-z, 0-9 and _' } },
  { name: 'a handle of 10,000 characters', request: () => signUp(JSON.stringify({ handle: 'a'.repeat(10_000) })), expect: { status: 400, error: BAD_REQUEST, message: 'handle must be 3-30 characters of a-z, 0-9 and _' } },
  { name: 'a handle that is a number', request: () => signUp(JSON.stringify({ handle: 12345 })), expect: { status: 400, error: BAD_REQUEST, message: ['handle must be 3-30 characters of a-z, 0-9 and _', 'handle must be a string'] } },
  { name: 'a display name with a NUL byte', request: () => signUp(JSON.stringify({ handle: handle(), displayName: 'Ada\u0000' })), expect: { status: 400, error: BAD_REQUEST, message: 'displayName must not contain control characters' } },
  { name: 'a display name with a bell and a DEL', request: () => signUp(JSON.stringify({ handle: handle(), displayName: 'Ada\u0007\u007f' })), expect: { status: 400, error: BAD_REQUEST, message: 'displayName must not contain control characters' } },
  { name: 'a display name of 101 characters', request: () => signUp(JSON.stringify({ handle: handle(), displayName: 'd'.repeat(101) })), expect: { status: 400, error: BAD_REQUEST, message: 'displayName must be shorter than or equal to 100 characters' } },
  { name: 'an email with a NUL byte', request: () => signUp(JSON.stringify({ handle: handle(), email: 'a\u0000@example.org' })), expect: { status: 400, error: BAD_REQUEST, message: 'email must be an email' } },
  { name: 'a body over the JSON limit', request: () => signUp(JSON.stringify({ handle: handle(), displayName: 'x'.repeat(200 * 1024) })), expect: { status: 413, error: 'Payload Too Large', message: 'request entity too large' } },
  // query strings
  { name: 'a cursor with a NUL byte', request: () => ({ method: 'GET', path: '/v1/uploads?cursor=abc%00def' }), expect: { status: 400, error: BAD_REQUEST, message: /^cursor is malformed/ } },
  { name: 'a cursor of invalid UTF-8', request: () => ({ method: 'GET', path: '/v1/feed?cursor=%FF%FE' }), expect: { status: 400, error: BAD_REQUEST, message: /^cursor is malformed/ } },
  { name: 'a cursor of 5,000 characters', request: () => ({ method: 'GET', path: `/v1/uploads?cursor=${'A'.repeat(5000)}` }), expect: { status: 400, error: BAD_REQUEST, message: 'cursor must be shorter than or equal to 200 characters' } },
  { name: 'a cursor given twice', request: () => ({ method: 'GET', path: '/v1/uploads?cursor=a&cursor=b' }), expect: { status: 400, error: BAD_REQUEST, message: ['cursor must be shorter than or equal to 200 characters', 'cursor must be a string'] } },
  { name: 'a limit with a NUL byte', request: () => ({ method: 'GET', path: '/v1/uploads?limit=5%00' }), expect: { status: 400, error: BAD_REQUEST, message: ['limit must not be greater than 100', 'limit must not be less than 1', 'limit must be an integer number'] } },
  { name: 'a limit of 10^30', request: () => ({ method: 'GET', path: `/v1/feed?limit=1${'0'.repeat(30)}` }), expect: { status: 400, error: BAD_REQUEST, message: /limit must not be greater than 100/ } },
  { name: 'unread=%00', request: () => ({ method: 'GET', path: '/v1/notifications?unread=%00' }), expect: { status: 400, error: BAD_REQUEST, message: 'unread must be true or false' } },
  // ids and handles in the path
  { name: 'a malformed upload id', request: () => ({ method: 'GET', path: '/v1/uploads/not-a-uuid' }), expect: { status: 400, error: BAD_REQUEST, message: 'Validation failed (uuid v 4 is expected)' } },
  { name: 'an upload id with a NUL byte', request: () => ({ method: 'GET', path: '/v1/uploads/2b1d3c4e-5f60-4718-8a9b-0c1d2e3f4a5b%00' }), expect: { status: 400, error: BAD_REQUEST, message: 'Validation failed (uuid v 4 is expected)' } },
  { name: 'an upload id of invalid percent-encoding', request: () => ({ method: 'DELETE', path: '/v1/uploads/%FF%E0%80' }), expect: { status: 400, error: BAD_REQUEST, message: "Failed to decode param '%FF%E0%80'" } },
  { name: 'an upload id of 4,000 characters', request: () => ({ method: 'GET', path: `/v1/uploads/${'f'.repeat(4000)}/original` }), expect: { status: 400, error: BAD_REQUEST, message: 'Validation failed (uuid v 4 is expected)' } },
  { name: "someone else's upload", request: (c) => ({ method: 'GET', path: `/v1/uploads/${c.otherUploadId}` }), expect: { status: 404, error: 'Not Found', message: /^upload .* not found$/ } },
  { name: "deleting someone else's upload", request: (c) => ({ method: 'DELETE', path: `/v1/uploads/${c.otherUploadId}` }), expect: { status: 404, error: 'Not Found', message: /^upload .* not found$/ } },
  { name: "someone else's notification", request: (c) => ({ method: 'POST', path: `/v1/notifications/${c.notificationId}/read` }), expect: { status: 404, error: 'Not Found', message: /not found/ } },
  { name: 'a notification id with a NUL byte', request: () => ({ method: 'POST', path: '/v1/notifications/%00/read' }), expect: { status: 400, error: BAD_REQUEST, message: 'Validation failed (uuid is expected)' } },
  { name: 'mark-read ids with a NUL byte', request: () => json('POST', '/v1/notifications/read', JSON.stringify({ ids: ['\u0000'] })), expect: { status: 400, error: BAD_REQUEST, message: 'each of ids must be a UUID' } },
  { name: 'a handle with a NUL byte in the path', request: () => ({ method: 'PUT', path: '/v1/users/ab%00cd/follow' }), expect: { status: 400, error: BAD_REQUEST, message: 'handle must be 3-30 characters of a-z, 0-9 and _' } },
  { name: 'a handle of invalid UTF-8 in the path', request: () => ({ method: 'GET', path: '/v1/users/%C3%28/followers' }), expect: { status: 400, error: BAD_REQUEST, message: "Failed to decode param '%C3%28'" } },
  // credentials
  { name: 'no bearer token', request: () => ({ method: 'GET', path: '/v1/me', auth: 'none' }), expect: { status: 401, error: 'Unauthorized', message: /token/i } },
  { name: 'an unknown bearer token', request: () => ({ method: 'GET', path: '/v1/me', auth: 'drk_not-a-real-token' }), expect: { status: 401, error: 'Unauthorized', message: /token/i } },
  { name: 'a bearer token of 8 KB', request: () => ({ method: 'GET', path: '/v1/feed', auth: 'x'.repeat(8 * 1024) }), expect: { status: 401, error: 'Unauthorized', message: /token/i } },
  { name: 'a Basic credential', request: () => ({ method: 'GET', path: '/v1/me', auth: 'none', headers: { authorization: 'Basic YWRhOmFkYQ==' } }), expect: { status: 401, error: 'Unauthorized', message: /token/i } },
  { name: 'an upload without a token', request: async (c) => ({ ...(await upload([filePart(c.jpeg)])), auth: 'none' }), expect: { status: 401, error: 'Unauthorized', message: /token/i } },
];

describe('hostile input: every answer is a clear 4xx, or an upload that ends done or failed with a reason', () => {
  const ctx = {} as Ctx;
  const accepted: Array<{ id: string; status: 'done' | 'failed' }> = [];
  // Other suites kill processes on purpose (pipeline SIGKILLs worker-b): the claim is about those up when the table starts.
  let upBefore: string[] = [];
  let strayBefore = new Set<string>();
  const ready = async () => {
    const probes = await Promise.all(readState().processes.map(async (p) => ({ name: p.name, ok: await fetch(p.health).then((r) => r.ok, () => false) })));
    return probes.filter((p) => p.ok).map((p) => p.name);
  };

  beforeAll(async () => {
    [ctx.me, ctx.other] = await Promise.all([createUser('hostile'), createUser('hostile_other')]);
    ctx.jpeg = await smallJpeg(4242);
    const form = new FormData();
    form.append('file', new Blob([ctx.jpeg], { type: 'image/jpeg' }), 'theirs.jpg');
    const theirs = await fetch(url('/v1/uploads'), { method: 'POST', headers: bearer(ctx.other), body: form });
    ctx.otherUploadId = ((await theirs.json()) as { id: string }).id;
    await waitForUpload(ctx.other, ctx.otherUploadId);
    const [notification] = await eventually(
      "the other user's notification",
      () => sql<{ id: string }>(`SELECT id FROM notifications WHERE user_id = $1`, [ctx.other.id]),
      (rows) => rows.length > 0,
    );
    ctx.notificationId = notification!.id;
    upBefore = await ready();
    expect(upBefore).toContain('api');
    // What earlier suites left on purpose (a worker SIGKILLed mid-write leaves its temp file for the start-up
    // sweep of stale temp files): not this suite's debris.
    strayBefore = new Set(storedFiles().filter((file) => file.startsWith('tmp/')));
  });

  it('has at least 30 cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const request = await c.request(ctx);
    const auth = request.auth ?? 'me';
    const headers: Record<string, string> = { ...(auth === 'none' ? {} : bearer(auth === 'me' ? ctx.me : auth)), ...request.headers };
    const response = await fetch(url(request.path), { method: request.method, headers, body: request.body });
    const text = await response.text();
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = JSON.parse(text) as Record<string, unknown>;
    // class-validator answers a list of messages, every other error one string: compare the one problem.
    if (Array.isArray(body.message) && body.message.length === 1) body.message = body.message[0];

    if ('status' in c.expect) {
      expect({ status: response.status, body }).toEqual({
        status: c.expect.status,
        body: { statusCode: c.expect.status, error: c.expect.error, message: expectMessage(c.expect.message) },
      });
      return;
    }
    expect({ status: response.status, body }).toEqual({ status: 202, body: { id: expect.any(String), status: 'queued' } });
    const view = await waitForUpload(ctx.me, body.id as string);
    accepted.push({ id: view.id, status: view.status as 'done' | 'failed' });
    if (c.expect.accepted === 'done') {
      expect({ status: view.status, failureReason: view.failureReason }).toEqual({ status: 'done', failureReason: null });
      expect(view.thumbnails.map((t) => t.variant).sort()).toEqual(['large', 'small', 'thumb']);
      c.expect.check?.(view as unknown as Record<string, unknown>);
    } else {
      expect(view.status).toBe('failed');
      expect(view.failureReason).toMatch(c.expect.reason);
      expect(view.thumbnails).toEqual([]);
    }
  });

  it('leaves no file without its row and no row without its files', async () => {
    // Other suites may be mid-upload or mid-delete on the same volume: wait for a moment without strays.
    const problems = await eventually('the volume and the uploads table to agree', async () => {
      const rows = await sql<{ id: string; owner_id: string; status: string; original_key: string }>(`SELECT id, owner_id, status, original_key FROM uploads`);
      const thumbs = await sql<{ upload_id: string; key: string }>(`SELECT upload_id, key FROM thumbnails`);
      const files = new Set(storedFiles());
      const known = new Set([...rows.map((r) => r.original_key), ...thumbs.map((t) => t.key)]);
      const found: string[] = [];
      for (const file of files) if (!known.has(file) && !strayBefore.has(file)) found.push(`file without a row: ${file}`);
      for (const row of rows.filter((r) => r.owner_id === ctx.me.id)) {
        if (!files.has(row.original_key)) found.push(`upload ${row.id} without its original`);
        const own = thumbs.filter((t) => t.upload_id === row.id);
        if (row.status === 'done' && own.length !== 3) found.push(`done upload ${row.id} with ${own.length} thumbnails`);
        for (const t of own) if (!files.has(t.key)) found.push(`upload ${row.id} without ${t.key}`);
      }
      return found;
    }, (found) => found.length === 0);
    expect(problems).toEqual([]);
    // Exactly the accepted cases became rows of this user, each in the state its case expected.
    const mine = await sql<{ id: string; status: string }>(`SELECT id, status FROM uploads WHERE owner_id = $1 ORDER BY id`, [ctx.me.id]);
    expect(mine).toEqual(expect.arrayContaining(accepted.map((a) => ({ id: a.id, status: a.status }))));
    expect(mine).toHaveLength(cases.filter((c) => 'accepted' in c.expect).length);
  });

  it('has kept every process up and ready', async () => {
    expect(upBefore.length).toBeGreaterThanOrEqual(2);
    expect(await ready()).toEqual(upBefore);
  });
});

function expectMessage(message: RegExp | string | string[]): unknown {
  return message instanceof RegExp ? expect.stringMatching(message) : message;
}
