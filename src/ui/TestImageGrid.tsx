import type { ImageJson } from '../data/datasetSchema';

interface Props {
  images: ImageJson[];
  urlOf: (path: string) => string;
}

/** The shared test images: the ones every subject saw, and the ones reconstructions are judged on. */
export function TestImageGrid({ images, urlOf }: Props) {
  const testImages = images.filter((image) => image.split === 'test');
  return (
    <section className="test-images" aria-labelledby="test-images-title">
      <h3 id="test-images-title">Test images ({testImages.length})</h3>
      <ul>
        {testImages.map((image) => (
          <li key={image.id}>
            <figure>
              {/* crossOrigin: under COEP require-corp, an image from another origin must come by CORS. */}
              <img src={urlOf(image.file)} alt={image.caption ?? image.id} loading="lazy" crossOrigin="anonymous" />
              <figcaption>
                {image.caption ?? image.id}
                {image.categories && image.categories.length > 0 && (
                  <span className="categories">{image.categories.join(', ')}</span>
                )}
              </figcaption>
            </figure>
          </li>
        ))}
      </ul>
    </section>
  );
}
