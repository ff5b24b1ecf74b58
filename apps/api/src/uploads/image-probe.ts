import { Injectable } from '@nestjs/common';
import sharp from 'sharp';

export interface ProbedImage {
  mime: string;
  width: number;
  height: number;
}

/** Formats the workers can develop, keyed by what libvips detects from the magic bytes. */
const SUPPORTED: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
};

/**
 * Decides what a file is from its content (libvips sniffs the magic bytes and
 * reads only the header), never from its name or declared type.
 */
@Injectable()
export class ImageProbe {
  /** null when the file is not an image we support. */
  async probe(path: string): Promise<ProbedImage | null> {
    let metadata: sharp.Metadata;
    try {
      // limitInputPixels: false here only so that an oversized image is reported as such, not as "not an image".
      metadata = await sharp(path, { limitInputPixels: false }).metadata();
    } catch {
      return null;
    }
    const avif = metadata.format === 'heif' && metadata.compression === 'av1';
    const mime = avif ? 'image/avif' : SUPPORTED[metadata.format ?? ''];
    if (!mime || !metadata.width || !metadata.height) return null;
    // Width and height as displayed (EXIF orientations 5-8 swap them); for an animation, one frame.
    return { mime, width: metadata.autoOrient.width, height: metadata.autoOrient.height };
  }
}
