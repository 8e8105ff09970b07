import sharp from 'sharp';
import { AppError } from '../../platform/errors.js';

/** The longest side of a shown image, and of its thumbnail (lists, search results). */
export const imageMaxSide = 1600;
export const thumbnailMaxSide = 480;
/** Larger than any phone photo, small enough that a decompression bomb is refused before decoding. */
const maxInputPixels = 80_000_000;

const acceptedFormats = new Set(['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff', 'heif']);

export interface ProcessedImage {
  bytes: Uint8Array;
  thumbnail: Uint8Array;
  width: number;
  height: number;
  contentType: 'image/webp';
}

/**
 * Makes an uploaded photo fit to publish: turned upright by its EXIF orientation, resized to at most
 * 1600 px (and a 480 px thumbnail), re-encoded as WebP. Re-encoding writes no metadata at all: EXIF (GPS
 * position, camera, time), XMP and IPTC stay behind, so a photo taken at someone's home does not publish
 * where it was taken. Anything that is not a readable image is refused.
 */
export async function processImage(input: Uint8Array): Promise<ProcessedImage> {
  let format: string | undefined;
  try {
    format = (await sharp(input, { limitInputPixels: maxInputPixels }).metadata()).format;
  } catch (error) {
    throw new AppError('post_image_invalid', { cause: error });
  }
  if (!format || !acceptedFormats.has(format)) throw new AppError('post_image_invalid');
  try {
    const options = { limitInputPixels: maxInputPixels, failOn: 'error' as const };
    const main = await sharp(input, options)
      .rotate()
      .resize({ width: imageMaxSide, height: imageMaxSide, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer({ resolveWithObject: true });
    const thumbnail = await sharp(main.data)
      .resize({ width: thumbnailMaxSide, height: thumbnailMaxSide, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 75 })
      .toBuffer();
    return {
      bytes: new Uint8Array(main.data),
      thumbnail: new Uint8Array(thumbnail),
      width: main.info.width,
      height: main.info.height,
      contentType: 'image/webp',
    };
  } catch (error) {
    throw new AppError('post_image_invalid', { cause: error });
  }
}
