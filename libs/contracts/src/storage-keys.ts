/** Built from ids only: a client's filename is metadata, never part of a path. */
export function originalKey(uploadId: string, createdAt: Date): string {
  const yyyy = String(createdAt.getUTCFullYear());
  const mm = String(createdAt.getUTCMonth() + 1).padStart(2, '0');
  return `originals/${yyyy}/${mm}/${uploadId}`;
}

/** The folder of one upload's thumbnails, removed with them when the upload is deleted. */
export function thumbnailFolder(uploadId: string): string {
  return `thumbnails/${uploadId}`;
}

export function thumbnailKey(uploadId: string, variant: string): string {
  return `${thumbnailFolder(uploadId)}/${variant}.webp`;
}
