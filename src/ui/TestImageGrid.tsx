import { useMemo, useRef, type KeyboardEvent } from 'react';
import type { ImageJson } from '../data/datasetSchema';

interface Props {
  images: ImageJson[];
  urlOf: (path: string) => string;
  /** The subject whose trials are shown: images it did not see are left out. */
  subject: string | null;
  selected: number | null;
  onSelect: (imageIndex: number) => void;
  categories: string[];
  category: string | null;
  onCategory: (category: string | null) => void;
}

/**
 * The shared test images, as a listbox: click or arrow keys (Home/End too) pick the image to decode.
 * The category filter narrows it; captions and categories come from dataset.json.
 */
export function TestImageGrid({ images, urlOf, subject, selected, onSelect, categories, category, onCategory }: Props) {
  const list = useRef<HTMLUListElement>(null);
  const shown = useMemo(
    () =>
      images.flatMap((image, index) =>
        image.split === 'test' &&
        (!subject || (image.trials?.[subject]?.length ?? 0) > 0) &&
        (!category || image.categories?.includes(category))
          ? [{ image, index }]
          : [],
      ),
    [images, subject, category],
  );

  const move = (event: KeyboardEvent) => {
    const at = shown.findIndex((s) => s.index === selected);
    const columns = Math.max(1, Math.round((list.current?.clientWidth ?? 1) / 112));
    const step: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: columns,
      ArrowUp: -columns,
      Home: -Infinity,
      End: Infinity,
    };
    const delta = step[event.key];
    if (delta === undefined || shown.length === 0) return;
    event.preventDefault();
    const next = Math.min(shown.length - 1, Math.max(0, (at < 0 ? 0 : at) + delta));
    onSelect(shown[next]!.index);
    list.current?.querySelectorAll('li')[next]?.scrollIntoView({ block: 'nearest' });
  };

  return (
    <section className="test-images" aria-labelledby="test-images-title">
      <h3 id="test-images-title">
        Test images ({shown.length}
        {category ? ` ${category}` : ''})
      </h3>
      <label>
        Category{' '}
        <select value={category ?? ''} onChange={(e) => onCategory(e.target.value || null)}>
          <option value="">all</option>
          {categories.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      <ul
        ref={list}
        role="listbox"
        aria-label="Test images"
        tabIndex={0}
        onKeyDown={move}
        aria-activedescendant={selected === null ? undefined : `test-image-${selected}`}
      >
        {shown.map(({ image, index }) => (
          <li
            key={image.id}
            id={`test-image-${index}`}
            role="option"
            aria-selected={index === selected}
            onClick={() => onSelect(index)}
          >
            <figure>
              {/* crossOrigin: under COEP require-corp, an image from another origin must come by CORS. */}
              <img src={urlOf(image.file)} alt={image.caption ?? image.id} loading="lazy" crossOrigin="anonymous" />
              <figcaption>
                {image.id}
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
