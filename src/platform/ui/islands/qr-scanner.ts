import jsQRModule from 'jsqr';

type Decode = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: { inversionAttempts?: 'dontInvert' | 'onlyInvert' | 'attemptBoth' | 'invertFirst' },
) => { data: string } | null;
// jsqr is CommonJS whose typings say `export default`: the function is the module itself or its default.
const loaded = jsQRModule as unknown as Decode | { default: Decode };
const jsQR: Decode = typeof loaded === 'function' ? loaded : loaded.default;

/**
 * Reads QR codes from the phone's camera, for the check-in islands. The browser's own BarcodeDetector
 * where it has one (Chrome on Android, Safari), else jsQR over downscaled frames: a cheap phone manages
 * a few frames a second, which is enough for a code held up to it. The same text seen again within a few
 * seconds is reported once.
 */

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
interface BarcodeDetectorConstructor {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats?: () => Promise<string[]>;
}

export interface CameraScanner {
  stop(): void;
}

const frameIntervalMs = 150;
const repeatQuietMs = 4000;
/** Frames are read at most this wide: enough for a QR code at arm's length, light on old phones. */
const maxFrameWidth = 640;

async function nativeDetector(): Promise<BarcodeDetectorLike | undefined> {
  const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorConstructor }).BarcodeDetector;
  if (!Detector) return undefined;
  try {
    const formats = (await Detector.getSupportedFormats?.()) ?? ['qr_code'];
    return formats.includes('qr_code') ? new Detector({ formats: ['qr_code'] }) : undefined;
  } catch {
    return undefined;
  }
}

/** Decodes one frame with jsQR (pure JavaScript). */
function decodeFrame(video: HTMLVideoElement, canvas: HTMLCanvasElement): string | undefined {
  const width = Math.min(video.videoWidth, maxFrameWidth);
  if (width === 0) return undefined;
  const height = Math.round((video.videoHeight * width) / video.videoWidth);
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) return undefined;
  context.drawImage(video, 0, 0, width, height);
  const image = context.getImageData(0, 0, width, height);
  return jsQR(image.data, width, height, { inversionAttempts: 'dontInvert' })?.data || undefined;
}

/**
 * Starts the back camera in `video` and calls `onText` with each code read. Rejects with the browser's
 * error when the camera cannot be used (no camera, permission refused, not HTTPS).
 */
export async function startCameraScanner(options: {
  video: HTMLVideoElement;
  onText: (text: string) => void;
}): Promise<CameraScanner> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 } },
    audio: false,
  });
  const { video } = options;
  video.srcObject = stream;
  video.setAttribute('playsinline', '');
  video.muted = true;
  await video.play();
  const detector = await nativeDetector();
  const canvas = document.createElement('canvas');
  let stopped = false;
  let last = { text: '', at: 0 };
  let timer: ReturnType<typeof setTimeout> | undefined;

  const report = (text: string) => {
    const now = Date.now();
    if (text === last.text && now - last.at < repeatQuietMs) return;
    last = { text, at: now };
    options.onText(text);
  };

  const tick = async () => {
    if (stopped) return;
    try {
      if (video.readyState >= 2) {
        const text = detector ? (await detector.detect(video))[0]?.rawValue : decodeFrame(video, canvas);
        if (text) report(text);
      }
    } catch {
      // A frame that cannot be read is skipped; the next one is tried.
    }
    timer = setTimeout(() => void tick(), frameIntervalMs);
  };
  void tick();

  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const track of stream.getTracks()) track.stop();
      video.srcObject = null;
    },
  };
}

/** Why the camera could not start, in words for the person holding the phone. */
export function cameraProblem(error: unknown, lang: string): string {
  const name = error instanceof Error ? error.name : '';
  const ja = lang !== 'en';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return ja
      ? 'カメラの使用が許可されていません。ブラウザの設定でこのサイトにカメラの使用を許可してください。'
      : 'The camera is not allowed. Please allow this site to use the camera in the browser settings.';
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return ja ? 'カメラが見つかりません。' : 'No camera was found.';
  }
  if (!navigator.mediaDevices) {
    return ja
      ? 'この画面ではカメラを使えません（HTTPSで開いてください）。'
      : 'The camera cannot be used on this page (open it over HTTPS).';
  }
  return ja ? 'カメラを起動できませんでした。' : 'The camera could not be started.';
}
