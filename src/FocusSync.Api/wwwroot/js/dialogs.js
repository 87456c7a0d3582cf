// A modal yes/no question (native <dialog>: focus stays inside, Escape cancels).
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

/** Shows a failed request's message inside a dialog instead of closing it. */
export function showFormError(element, error) {
  const fields = Object.entries(error.errors ?? {}).map(([name, messages]) => `${name}: ${messages.join(' ')}`);
  element.textContent = [error.message, ...fields].join(' ');
  element.hidden = false;
}
