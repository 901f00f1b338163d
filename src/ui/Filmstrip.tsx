import { useEffect, useMemo, useRef, type KeyboardEvent } from 'react';
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
 * The shared test images in one scrolling row, as a listbox: a click, or ←/→ from anywhere on the
 * page (Home/End in the strip), picks the image to decode. The category filter narrows it.
 */
export function Filmstrip({ images, urlOf, subject, selected, onSelect, categories, category, onCategory }: Props) {
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

  const step = (delta: number) => {
    if (shown.length === 0) return;
    const at = shown.findIndex((s) => s.index === selected);
    onSelect(shown[Math.min(shown.length - 1, Math.max(0, (at < 0 ? 0 : at) + delta))]!.index);
  };
  const stepRef = useRef(step);
  useEffect(() => {
    stepRef.current = step;
  });

  // ←/→ anywhere on the page, unless a control that uses the arrows itself has the focus.
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      const delta = event.key === 'ArrowLeft' ? -1 : event.key === 'ArrowRight' ? 1 : 0;
      if (delta === 0 || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      if (usesArrowKeys(event.target)) return;
      event.preventDefault();
      stepRef.current(delta);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  // The picked image scrolls into the strip's view; only the strip scrolls, never the page.
  useEffect(() => {
    const strip = list.current;
    const item = selected === null ? null : strip?.querySelector<HTMLElement>(`#test-image-${selected}`);
    if (strip && item) strip.scrollLeft = item.offsetLeft - (strip.clientWidth - item.offsetWidth) / 2;
  }, [selected, shown]);

  const onListKey = (event: KeyboardEvent) => {
    const delta = event.key === 'Home' ? -Infinity : event.key === 'End' ? Infinity : 0;
    if (delta === 0) return;
    event.preventDefault();
    step(delta);
  };

  return (
    <section className="test-images filmstrip" aria-labelledby="test-images-title">
      <div className="filmstrip-head">
        <h3 id="test-images-title">
          Test images ({shown.length}
          {category ? ` ${category}` : ''})
        </h3>
        <span className="hint">← → to step through</span>
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
      </div>
      <ul
        ref={list}
        role="listbox"
        aria-label="Test images"
        aria-orientation="horizontal"
        tabIndex={0}
        onKeyDown={onListKey}
        aria-activedescendant={selected === null ? undefined : `test-image-${selected}`}
      >
        {shown.map(({ image, index }) => (
          <li
            key={image.id}
            id={`test-image-${index}`}
            role="option"
            aria-selected={index === selected}
            title={[image.id, image.caption, image.categories?.join(', ')].filter(Boolean).join(' · ')}
            onClick={() => onSelect(index)}
          >
            {/* crossOrigin: under COEP require-corp, an image from another origin must come by CORS. */}
            <img src={urlOf(image.file)} alt={image.caption ?? image.id} loading="lazy" crossOrigin="anonymous" />
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Whether the element keeps ←/→ for itself: text fields, selects, sliders, radios, the brain view. */
function usesArrowKeys(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement)
    return true;
  if (target instanceof HTMLInputElement) return !['checkbox', 'button', 'submit', 'reset'].includes(target.type);
  return ['application', 'slider', 'radio', 'tab', 'menu', 'menuitem', 'grid', 'tree'].includes(
    target.getAttribute('role') ?? '',
  );
}
