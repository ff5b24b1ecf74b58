import type { AppConfig } from '@darkroom/config';
import type { ThumbnailEntity, UploadEntity, UploadsRepository } from '@darkroom/database';
import { UrlSigner } from '../auth/url-signer';
import { UploadViews } from './upload-views';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

function upload(id: string): UploadEntity {
  return { id, status: 'done', mime: 'image/jpeg', bytes: 10, createdAt: new Date('2025-03-14T15:09:26.535Z') } as UploadEntity;
}

describe('UploadViews', () => {
  const signer = new UrlSigner({ api: { urlSigningSecret: 'a-test-secret-of-enough-length', signedUrlTtlSeconds: 60 } } as AppConfig);

  it('keeps the given order, gives each upload its own thumbnails, and signs every URL', async () => {
    const thumbnailsOf = jest.fn(async (): Promise<ThumbnailEntity[]> => [
      { uploadId: B, variant: 'thumb', key: 'k', mime: 'image/webp', width: 160, height: 160, bytes: 1 },
      { uploadId: A, variant: 'thumb', key: 'k', mime: 'image/webp', width: 160, height: 120, bytes: 2 },
      { uploadId: B, variant: 'small', key: 'k', mime: 'image/webp', width: 480, height: 480, bytes: 3 },
    ]);
    const views = new UploadViews({ thumbnailsOf } as unknown as UploadsRepository, signer);

    const [first, second] = await views.of([upload(B), upload(A)]);

    expect(thumbnailsOf).toHaveBeenCalledTimes(1);
    expect(thumbnailsOf).toHaveBeenCalledWith([B, A]);
    expect(first!.id).toBe(B);
    expect(first!.thumbnails.map((t) => t.variant)).toEqual(['thumb', 'small']);
    expect(second!.thumbnails.map((t) => [t.variant, t.height])).toEqual([['thumb', 120]]);
    const [path, query] = first!.thumbnails[1]!.url.split('?');
    expect(path).toBe(`/v1/uploads/${B}/thumbnails/small`);
    const params = new URLSearchParams(query);
    expect(signer.verify(path!, params.get('exp'), params.get('sig'))).toBe(true);
    expect(second!.originalUrl).toMatch(new RegExp(`^/v1/uploads/${A}/original\\?exp=\\d+&sig=`));
  });
});
