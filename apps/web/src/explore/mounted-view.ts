import { clearViewError } from './view-error.js';

/** What an explore view owns besides its elements: its scheduler. */
interface Disposable {
  dispose(): void;
}

/**
 * An explore view's element, placed in its container, and the bookkeeping every view shares:
 * whether it was disposed (async work that finishes later must not draw), the container's
 * `data-status` (what the page and its tests wait for), and the teardown.
 */
export interface MountedView {
  /** True once `dispose` ran. */
  readonly disposed: boolean;
  /** Disposes `owned` with the view (before the view's element goes); returns it. */
  own<T extends Disposable>(owned: T): T;
  /** Marks the container `data-status="ready"`. */
  markReady(): void;
  /** Stops what the view owns, removes its element, its error message and the container's status. */
  dispose(): void;
}

/** Appends `view` to `container`; the returned `MountedView` takes it out again. */
export function mountView(container: HTMLElement, view: HTMLElement): MountedView {
  const owned: Disposable[] = [];
  let disposed = false;
  container.append(view);
  return {
    get disposed() {
      return disposed;
    },
    own(item) {
      owned.push(item);
      return item;
    },
    markReady() {
      container.dataset.status = 'ready';
    },
    dispose() {
      disposed = true;
      for (const item of owned) item.dispose();
      view.remove();
      clearViewError(container);
      delete container.dataset.status;
    },
  };
}
