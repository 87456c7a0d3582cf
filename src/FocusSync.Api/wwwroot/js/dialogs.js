// A modal yes/no question (native <dialog>: focus stays inside, Escape cancels).
import { describeError } from './notices.js';

const dialog = document.getElementById('confirm-dialog');

export function confirmDialog(text, yesLabel = 'Delete') {
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-yes').textContent = yesLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
  });
}

/** Shows a failed request's message, in plain words, inside a dialog instead of closing it. */
export function showFormError(element, error) {
  element.textContent = describeError(error);
  element.hidden = false;
}
