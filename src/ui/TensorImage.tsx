import { useEffect, useMemo, useRef } from 'react';

/** [3,S,S] in [0,1] (from `offset` in a batch) -> RGBA pixels. */
function toImageData(data: Float32Array, size: number, offset: number): ImageData {
  const pixels = new ImageData(size, size);
  const plane = size * size;
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      pixels.data[p * 4 + c] = Math.round(255 * Math.min(1, Math.max(0, data[offset + c * plane + p]!)));
    }
    pixels.data[p * 4 + 3] = 255;
  }
  return pixels;
}

/** A [3,S,S] image in [0,1] as PNG data: for <img> (alt text, copy, export) rather than a bare canvas. */
export function tensorToDataUrl(data: Float32Array, size: number, offset = 0): string {
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  canvas.getContext('2d')!.putImageData(toImageData(data, size, offset), 0, 0);
  return canvas.toDataURL('image/png');
}

interface Props {
  data: Float32Array;
  size: number;
  /** Which image of a batch [N,3,S,S]. */
  index?: number;
  alt: string;
  className?: string;
  testId?: string;
}

export function TensorImage({ data, size, index = 0, alt, className, testId }: Props) {
  const src = useMemo(() => tensorToDataUrl(data, size, index * 3 * size * size), [data, size, index]);
  return <img src={src} alt={alt} className={className} data-testid={testId} width={size} height={size} />;
}

/** The same drawn on a canvas: no PNG encoding, for a picture that changes every few milliseconds. */
export function TensorCanvas({ data, size, alt, className, testId }: Omit<Props, 'index'>) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    canvas.current?.getContext('2d')?.putImageData(toImageData(data, size, 0), 0, 0);
  }, [data, size]);
  return (
    <canvas
      ref={canvas}
      width={size}
      height={size}
      role="img"
      aria-label={alt}
      className={className}
      data-testid={testId}
    />
  );
}
