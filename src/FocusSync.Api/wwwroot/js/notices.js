// What the page tells the person: short messages that float above the page (never pushing its buttons),
// state changes for screen readers, and failures described in plain words with what to do next.
const toasts = document.getElementById('toasts');
const announcer = document.getElementById('announcer');

const FIELD_LABELS = {
  title: 'Title', initialDuration: 'Countdown', dailyGoalMinutes: 'Daily goal', groupId: 'Group',
  timeZone: 'Time zone', resetTime: 'Day starts at', weekStart: 'Week starts on', name: 'Name',
  description: 'Description', from: 'From', to: 'To', period: 'Period',
};

/**
 * Shows a message for `ms` milliseconds (0: until dismissed) with optional actions, each `{ label, run }`.
 * Returns a function that removes it.
 */
export function toast(text, { kind = '', actions = [], ms = 6000 } = {}) {
  const box = document.createElement('div');
  box.className = `toast ${kind}`.trim();
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  const message = document.createElement('p');
  message.textContent = text;
  box.append(message);
  let timer = 0;
  const remove = () => {
    clearTimeout(timer);
    box.remove();
  };
  for (const { label, run } of [...actions, { label: 'Dismiss', run: () => {} }]) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = label;
    button.addEventListener('click', () => {
      remove();
      run();
    });
    box.append(button);
  }
  toasts.append(box);
  if (ms > 0) timer = setTimeout(remove, ms);
  return remove;
}

/** Says a change of state to screen readers once, instead of a live region that ticking rewrites. */
export function announce(text) {
  announcer.textContent = '';
  requestAnimationFrame(() => { announcer.textContent = text; });
}

/** A field's server message as a sentence with the field's label: "Title must be 1 to 200 characters…". */
export function fieldMessages(errors) {
  return Object.entries(errors ?? {}).map(([name, messages]) => {
    const field = name.replace(/^.*\./, '');
    const label = FIELD_LABELS[field] ?? field;
    return messages.map((m) => `${label} ${m.replace(new RegExp(`^'${field}'\\s*`), '')}`.replace(/\.?$/, '.')).join(' ');
  });
}

/** A failure in plain words: what happened and what the person can do. */
export function describeError(error) {
  if (error instanceof TypeError || error?.name === 'UnreachableError') return 'Can’t reach FocusSync. Check your connection and try again.';
  switch (error?.status) {
    case 400: return fieldMessages(error.errors).join(' ') || error.message;
    case 401: return 'Your sign-in has ended. Sign in again to go on.';
    case 404: return 'That was deleted, maybe on another device. The list now shows what is left.';
    case 409:
    case 412: return 'It changed on another device. The page now shows the latest state: try again if you still want to.';
    case 429: return 'Too many changes at once. Wait a moment and try again.';
    default:
      return error?.status >= 500
        ? 'Something went wrong on the server and the change may not be saved. Try again in a moment.'
        : error?.message ?? String(error);
  }
}
