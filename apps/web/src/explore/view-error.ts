/** Shows `error` in `container` as its one `.explore-error` message (replacing an earlier one). */
export function showViewError(container: HTMLElement, what: string, error: unknown): void {
  let message = container.querySelector<HTMLElement>(':scope > .explore-error');
  if (message === null) {
    message = document.createElement('p');
    message.className = 'explore-error';
    message.setAttribute('role', 'alert');
    container.prepend(message);
  }
  message.textContent = `${what}: ${error instanceof Error ? error.message : String(error)}`;
  container.dataset.error = 'true';
}

/** Removes the message left by `showViewError`, once the view works again. */
export function clearViewError(container: HTMLElement): void {
  container.querySelector(':scope > .explore-error')?.remove();
  delete container.dataset.error;
}
