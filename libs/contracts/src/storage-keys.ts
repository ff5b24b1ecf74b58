/** Built from ids only: a client's filename is metadata, never part of a path. */
export function originalKey(uploadId: string, createdAt: Date): string {
  const yyyy = String(createdAt.getUTCFullYear());
  const mm = String(createdAt.getUTCMonth() + 1).padStart(2, '0');
  return `originals/${yyyy}/${mm}/${uploadId}`;
}

export function thumbnailKey(uploadId: string, variant: string): string {
  return `thumbnails/${uploadId}/${variant}.webp`;
}
