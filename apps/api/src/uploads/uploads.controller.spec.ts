import { NotFoundException } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { AppConfig } from '@darkroom/config';
import { AUTH, bodyOf, CALLER, type SpecApp, startSpecApp } from '../http/http-spec-app.spec-support';
import { uploadLimits } from './upload-limits.filter';
import { UploadsController } from './uploads.controller';
import { UploadsService } from './uploads.service';

const ID = '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const MAX_UPLOAD_BYTES = 2048;
const PHOTO = new Uint8Array(1000).fill(7);

/** A multipart body as a browser sends it: each entry a field, or a file when it has a name. */
function form(...entries: Array<[string, string] | [string, Uint8Array, string]>): FormData {
  const body = new FormData();
  for (const [field, value, filename] of entries) {
    if (typeof value === 'string') body.append(field, value);
    else body.append(field, new Blob([value], { type: 'image/jpeg' }), filename);
  }
  return body;
}

describe('UploadsController over HTTP', () => {
  const uploads = { accept: jest.fn(), list: jest.fn(), get: jest.fn(), remove: jest.fn() };
  let spec: SpecApp;

  beforeAll(async () => {
    spec = await startSpecApp(
      {
        // The app's own limits; multer keeps the file in memory here (the storage engine is not this spec's subject).
        imports: [MulterModule.registerAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => ({ limits: uploadLimits(config) }) })],
        controllers: [UploadsController],
        providers: [{ provide: UploadsService, useValue: uploads }],
      },
      { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) },
    );
  });
  afterAll(() => spec.close());
  beforeEach(() => jest.resetAllMocks());

  const upload = (body: FormData, headers: Record<string, string> = AUTH) => spec.request('/v1/uploads', { method: 'POST', headers, body });

  it('accepts a photo with 202 and hands the service the file, the caption and a request id', async () => {
    uploads.accept.mockResolvedValue({ id: ID, status: 'queued' });

    const response = await upload(form(['caption', 'first light'], ['file', PHOTO, 'photo.jpg']));

    expect(response.status).toBe(202);
    expect(await bodyOf(response)).toEqual({ id: ID, status: 'queued' });
    expect(uploads.accept).toHaveBeenCalledWith(CALLER.id, expect.objectContaining({ fieldname: 'file', originalname: 'photo.jpg', size: PHOTO.length }), 'first light', expect.any(String));
  });

  it('answers 401 without a token, before the service', async () => {
    const response = await upload(form(['file', PHOTO, 'photo.jpg']), {});

    expect(response.status).toBe(401);
    expect(await bodyOf(response)).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect(uploads.accept).not.toHaveBeenCalled();
  });

  it.each([
    ['no file', 400, form(['caption', 'hello']), 'send the photo as multipart/form-data in a field named "file"'],
    ['two files', 400, form(['file', PHOTO, 'a.jpg'], ['file', PHOTO, 'b.jpg']), 'send exactly one file per upload, in the field "file"'],
    ['the file in another field', 400, form(['photo', PHOTO, 'a.jpg']), 'unexpected file field "photo"; send the photo in the field "file"'],
    ['a file over MAX_UPLOAD_BYTES', 413, form(['file', new Uint8Array(MAX_UPLOAD_BYTES + 1), 'big.jpg']), `the file is larger than ${MAX_UPLOAD_BYTES} bytes (MAX_UPLOAD_BYTES)`],
    ['too many form fields', 400, form(['a', '1'], ['b', '2'], ['c', '3'], ['d', '4'], ['e', '5'], ['file', PHOTO, 'a.jpg']), 'too many form fields; send "file" and optionally "caption"'],
  ])('answers %s with %i and says what to do', async (_case, status, body, message) => {
    const response = await upload(body);

    expect(response.status).toBe(status);
    expect(await bodyOf(response)).toEqual({ statusCode: status, error: status === 413 ? 'Payload Too Large' : 'Bad Request', message });
    expect(uploads.accept).not.toHaveBeenCalled();
  });

  it.each([
    ['a caption with control characters', form(['caption', 'bell\u0007'], ['file', PHOTO, 'a.jpg']), 'caption must not contain control characters'],
    ['a caption over 2000 characters', form(['caption', 'x'.repeat(2001)], ['file', PHOTO, 'a.jpg']), 'caption must be shorter than or equal to 2000 characters'],
    ['a form field the DTO does not know', form(['album', 'summer'], ['file', PHOTO, 'a.jpg']), 'property album should not exist'],
  ])('answers %s with 400 naming the field', async (_case, body, message) => {
    const response = await upload(body);

    expect(response.status).toBe(400);
    expect(await bodyOf(response)).toEqual({ statusCode: 400, error: 'Bad Request', message: [message] });
    expect(uploads.accept).not.toHaveBeenCalled();
  });

  it('lists the caller\'s uploads with the page query parsed', async () => {
    uploads.list.mockResolvedValue({ items: [], nextCursor: null });

    const response = await spec.request('/v1/uploads?limit=100&cursor=c1', { headers: AUTH });

    expect(response.status).toBe(200);
    expect(uploads.list).toHaveBeenCalledWith(CALLER.id, 'c1', 100);
  });

  it.each([
    ['GET', 'get', 200],
    ['DELETE', 'remove', 204],
  ] as const)('%s /v1/uploads/:id answers %i for the caller', async (method, call, status) => {
    uploads[call].mockResolvedValue(call === 'get' ? { id: ID } : undefined);

    const response = await spec.request(`/v1/uploads/${ID}`, { method, headers: AUTH });

    expect(response.status).toBe(status);
    expect(uploads[call]).toHaveBeenCalledWith(ID, CALLER.id);
  });

  it.each([
    ['not a UUID', 'photo-1'],
    ['a UUID of another version', '6fa459ea-ee8a-3ca4-894e-db77e160355e'],
  ])('answers an id that is %s with 400, never a lookup', async (_case, id) => {
    for (const method of ['GET', 'DELETE']) {
      const response = await spec.request(`/v1/uploads/${id}`, { method, headers: AUTH });
      expect(response.status).toBe(400);
      expect(await bodyOf(response)).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Validation failed (uuid v 4 is expected)' });
    }
    expect(uploads.get).not.toHaveBeenCalled();
    expect(uploads.remove).not.toHaveBeenCalled();
  });

  it("passes the service's 404 through in the error body shape", async () => {
    uploads.get.mockRejectedValue(new NotFoundException(`upload ${ID} not found`));

    const response = await spec.request(`/v1/uploads/${ID}`, { headers: AUTH });

    expect(response.status).toBe(404);
    expect(await bodyOf(response)).toEqual({ statusCode: 404, error: 'Not Found', message: `upload ${ID} not found` });
  });
});
