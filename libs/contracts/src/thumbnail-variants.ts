/** `cover` crops to a square; `inside` keeps the aspect ratio. Neither ever enlarges. */
export type VariantFit = 'cover' | 'inside';

export interface ThumbnailVariant {
  name: string;
  px: number;
  fit: VariantFit;
}

export function thumbnailVariants(sizes: { thumbPx: number; smallPx: number; largePx: number }): ThumbnailVariant[] {
  return [
    { name: 'thumb', px: sizes.thumbPx, fit: 'cover' },
    { name: 'small', px: sizes.smallPx, fit: 'inside' },
    { name: 'large', px: sizes.largePx, fit: 'inside' },
  ];
}

export const VARIANT_NAMES = ['thumb', 'small', 'large'] as const;
