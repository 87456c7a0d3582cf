// The timers page: sessions by group, ticking locally from the server's values, and their actions. Every action
// applies at once and is queued by the live view, so the page works the same without a network.
import { offerNotifications, signalCompleted } from './alerts.js';
import { serverNow } from './clock.js';
import { confirmDialog, showFormError } from './dialogs.js';
import { clockText, durationText, escapeHtml, parseDuration } from './format.js';
import { announce, toast } from './notices.js';
import { showTimerInTab } from './tab.js';
import { api, current, groups, refresh, session, sessions, shown, subscribe } from './view.js';

const list = document.getElementById('session-list');
const sessionDialog = document.getElementById('session-dialog');
const sessionForm = document.getElementById('session-form');
const groupsDialog = document.getElementById('groups-dialog');
const groupList = document.getElementById('group-list');
const field = (name) => sessionForm.elements[name];

const UNDO_MS = 5000;
const STATUS_TEXT = { completed: 'Completed', running: 'Running', paused: 'Paused', ready: 'Ready' };

const seenRunning = new Set(); // ids seen running in this tab: only their completion is signalled
const signalled = new Set();
const checked = new Set(); // `${id}:${targetTimeMs}` countdowns already re-read after their target
const shownStatus = new Map(); // id → the status last shown, so that only changes are announced
// Resets and deletes are held by the view for UNDO_MS, then sent with the instant they were pressed at.
const pending = new Map(); // id → { kind, operation: Promise of the held operation, dismiss }
let editing = null;
let report = console.error;
let shownGroups = '';

export function initTimers(reportError) {
  report = reportError;
  subscribe(onChange);
  setInterval(tick, 250);
  list.addEventListener('click', (e) => onCardAction(e.target.closest('button[data-action]')));
  document.addEventListener('keydown', onShortcut);
  // A held action must not wait for its undo window when the page goes away.
  addEventListener('pagehide', () => current()?.leave());
  document.getElementById('show-shortcuts').addEventListener('click', () => document.getElementById('shortcuts-dialog').showModal());
  document.getElementById('add-session').addEventListener('click', () => openSessionDialog(null));
  document.getElementById('reset-all').addEventListener('click', resetAll);
  document.getElementById('manage-groups').addEventListener('click', openGroupsDialog);
  field('noGoal').addEventListener('change', showGoalFields);
  sessionForm.addEventListener('submit', saveSession);
  groupList.addEventListener('click', (e) => onGroupAction(e.target.closest('button[data-action]')));
  document.getElementById('group-form').addEventListener('submit', addGroup);
  for (const dialog of [sessionDialog, groupsDialog]) {
    dialog.querySelector('.cancel').addEventListener('click', () => dialog.close());
    // The element focused before the dialog opened may have been drawn again meanwhile: never leave the focus in a
    // closed dialog.
    dialog.addEventListener('close', () => {
      if (dialog.contains(document.activeElement)) document.activeElement.blur();
    });
  }
}

/** A refused change is told in plain words (the view already shows the service's state); a released hold ends its undo. */
function onChange(change) {
  if (change.type === 'rejected') report(change.error);
  if (change.type === 'local') {
    for (const [id, held] of pending) {
      if (held.key === change.operation.idempotencyKey) {
        pending.delete(id);
        held.dismiss();
      }
    }
  }
  render();
  const groupKey = JSON.stringify(groups().map((g) => [g.id, g.name, g.description]));
  if (groupsDialog.open && groupKey !== shownGroups) renderGroups();
}

function render() {
  // Rendering replaces the cards: the focused card, or button on it, is focused again afterwards. A session created
  // here changes its id when the service answers, so the card in the same place stands in for one no longer found.
  const focused = document.activeElement?.closest('#session-list [data-id]');
  const focus = focused && {
    id: focused.dataset.id,
    action: document.activeElement.dataset.action,
    index: [...list.querySelectorAll('.card')].indexOf(focused),
  };
  const visible = sessions().filter((s) => pending.get(s.id)?.kind !== 'delete');
  const sections = groups().map((g) => ({ id: g.id, name: g.name, description: g.description }));
  sections.push({ id: null, name: 'Ungrouped', description: '' });
  list.innerHTML = sections
    .map((section) => ({ ...section, items: visible.filter((s) => (s.groupId ?? null) === section.id) }))
    .filter((section) => section.items.length > 0 || section.id !== null)
    .map(sectionHtml)
    .join('') || '<p class="empty">No sessions yet. Add one to start.</p>';
  if (focus) {
    const card = list.querySelector(`.card[data-id="${focus.id}"]`) ?? list.querySelectorAll('.card')[focus.index];
    (focus.action ? card?.querySelector(`[data-action="${focus.action}"]`) : card)?.focus();
  }
  tick();
}

function sectionHtml(section) {
  const titleId = `group-${section.id ?? 'none'}-title`;
  // An empty group takes one line: its name and a word saying so.
  if (!section.items.length) {
    return `<section class="group empty-group" aria-labelledby="${titleId}">
      <h3 id="${titleId}">${escapeHtml(section.name)}</h3><p class="hint">no sessions yet</p>
    </section>`;
  }
  return `<section class="group" aria-labelledby="${titleId}">
    <h3 id="${titleId}">${escapeHtml(section.name)}</h3>
    ${section.description ? `<p class="hint">${escapeHtml(section.description)}</p>` : ''}
    <div class="cards">${section.items.map(cardHtml).join('')}</div>
  </section>`;
}

function cardHtml(s) {
  const title = escapeHtml(s.title);
  const goal = s.noGoal
    ? '<p class="goal-text">No goal: counts up</p>'
    : `<label class="goal"><span data-role="goal-text"></span><progress data-role="goal" max="${s.dailyGoalMinutes * 60}"></progress></label>`;
  return `<article class="card" data-id="${s.id}" tabindex="0" aria-labelledby="session-${s.id}-title" aria-keyshortcuts="Space">
    <h4 class="title" id="session-${s.id}-title">${title}</h4>
    <p class="time" data-role="time" title="${s.noGoal ? 'Time today' : 'Time left'}"></p>
    <p class="status" data-role="status"></p>
    ${goal}
    <div class="buttons">
      <button type="button" data-action="toggle" class="primary"></button>
      <button type="button" data-action="reset" aria-label="Reset ${title}">Reset</button>
      <button type="button" data-action="edit" aria-label="Edit ${title}">Edit</button>
      <button type="button" data-action="delete" aria-label="Delete ${title}" class="danger">Delete</button>
    </div>
  </article>`;
}

/** What a session shows now; a reset waiting for its undo already shows as reset. */
function shownView(s) {
  if (pending.get(s.id)?.kind !== 'reset') return shown(s);
  const view = shown(s);
  return { running: false, completed: false, seconds: s.noGoal ? view.focus : s.initialDuration, focus: view.focus, fresh: true };
}

/** A countdown is shown rounded up, so it reads 00:01 until its last second is over; a stopwatch rounds down. */
const timeText = (s, view) => clockText(s.noGoal ? view.seconds : Math.ceil(view.seconds - 1e-6));

function statusOf(s, view) {
  if (view.completed) return 'completed';
  if (view.running) return 'running';
  const untouched = view.fresh || (s.noGoal ? view.focus === 0 : s.timeLeft === s.initialDuration);
  return untouched ? 'ready' : 'paused';
}

/** Updates the ticking parts of every card, the tab's title and icon, and notices countdowns that just reached zero. */
function tick() {
  const shown = [];
  for (const card of list.querySelectorAll('.card')) {
    const s = session(Number(card.dataset.id));
    if (!s) continue;
    const view = shownView(s);
    const status = statusOf(s, view);
    card.dataset.state = status;
    card.querySelector('[data-role=time]').textContent = timeText(s, view);
    card.querySelector('[data-role=status]').textContent = STATUS_TEXT[status];
    if (shownStatus.has(s.id) && shownStatus.get(s.id) !== status) announce(`${s.title}: ${STATUS_TEXT[status]}`);
    shownStatus.set(s.id, status);
    shown.push({ title: s.title, status, seconds: view.seconds, text: timeText(s, view) });
    const toggle = card.querySelector('[data-action=toggle]');
    toggle.textContent = view.running ? 'Pause' : 'Start';
    toggle.setAttribute('aria-label', `${view.running ? 'Pause' : 'Start'} ${s.title}`);
    const progress = card.querySelector('[data-role=goal]');
    if (progress) {
      progress.value = Math.min(view.focus, s.dailyGoalMinutes * 60);
      card.querySelector('[data-role=goal-text]').textContent = `${durationText(view.focus)} of ${s.dailyGoalMinutes} min today`;
    }
    noticeCompletion(s, view);
  }
  showTimerInTab(shown);
}

function noticeCompletion(s, view) {
  if (view.running) seenRunning.add(s.id);
  if (!view.completed) {
    signalled.delete(s.id);
    return;
  }
  if (seenRunning.has(s.id) && !signalled.has(s.id)) {
    signalled.add(s.id);
    signalCompleted(s.title);
    toast(`“${s.title}” is complete.`, {
      kind: 'done', ms: 0,
      actions: [{ label: 'Start again', run: () => act(s.id, 'reset').then(() => act(s.id, 'start')) }],
    });
  }
  // The server completes it within a second and says so; should that event be missed, read it back.
  const key = `${s.id}:${s.targetTimeMs}`;
  if (s.state === 'RUNNING' && !checked.has(key)) {
    checked.add(key);
    setTimeout(() => session(s.id)?.state === 'RUNNING' && refresh(), 1500);
  }
}

/**
 * Applies one action on a session at once; the view sends it as of this instant, built on the version shown: a
 * session that changed elsewhere meanwhile is refused (412) rather than acted on blindly, and the page then shows
 * the service's state. A reset waiting for its undo goes first, as the card already shows it.
 */
async function act(id, action) {
  const view = current();
  if (!view?.session(id)) return;
  await release(id);
  const running = view.sessions.filter((o) => o.id !== id && shown(o).running);
  try {
    await view[action](id);
  } catch (error) {
    report(error);
    return;
  }
  if (action === 'start') {
    offerNotifications();
    const paused = running.filter((o) => !shown(view.session(o.id) ?? o).running).map((o) => o.title);
    if (paused.length) toast(`Paused ${paused.join(', ')}: only one timer runs at a time.`);
  }
}

async function release(id) {
  const held = pending.get(id);
  if (held) await current()?.release(await held.operation);
}

async function onCardAction(button) {
  if (!button) return;
  const s = session(Number(button.closest('[data-id]').dataset.id));
  if (!s) return;
  switch (button.dataset.action) {
    case 'toggle':
      await act(s.id, shownView(s).running ? 'pause' : 'start');
      break;
    case 'reset':
      if (shown(s).running && !pending.has(s.id)) later(s, 'reset');
      else await act(s.id, 'reset');
      break;
    case 'edit':
      openSessionDialog(s);
      break;
    case 'delete':
      later(s, 'delete');
      break;
  }
}

/**
 * A reset of a running timer, or a delete, shown at once and held by the view for a short undo window, dated when
 * it was pressed. It is queued from the start, so closing the page loses nothing; an undo withdraws it.
 */
function later(s, kind) {
  const view = current();
  const cards = [...list.querySelectorAll('.card')];
  const next = cards[cards.findIndex((c) => c.dataset.id === String(s.id)) + 1];
  const operation = view[kind](s.id, { at: Math.round(serverNow()), holdMs: UNDO_MS });
  const held = { kind, operation, key: null, dismiss: () => {} };
  operation.then((o) => { held.key = o.idempotencyKey; }, (error) => {
    pending.delete(s.id);
    held.dismiss();
    render();
    report(error);
  });
  const undo = async () => {
    if (!(await view.withdraw(await operation))) return;
    pending.delete(s.id);
    render();
    announce(`${kind === 'delete' ? 'Delete' : 'Reset'} of ${s.title} undone`);
  };
  const text = kind === 'delete' ? `Deleted “${s.title}”. Its recorded time stays in the analytics.` : `Reset “${s.title}”.`;
  held.dismiss = toast(text, { ms: 0, actions: [{ label: 'Undo', run: undo }, { label: 'OK', run: () => release(s.id) }] });
  pending.set(s.id, held);
  render();
  if (kind === 'delete') (next?.querySelector('[data-action=toggle]') ?? document.getElementById('add-session')).focus();
}

/** Space starts or pauses the focused session, N adds one, ? lists the shortcuts; typing in a field is left alone. */
function onShortcut(e) {
  if (e.ctrlKey || e.metaKey || e.altKey || document.querySelector('dialog[open]')) return;
  // A field of a dialog that has closed may keep the focus (when the card focused before it was drawn again meanwhile):
  // nobody is typing there.
  const typing = e.target.closest('input, select, textarea, button');
  if ((typing && !typing.closest('dialog:not([open])')) || document.getElementById('timers').hidden) return;
  const card = e.target.closest?.('.card');
  if (e.key === ' ' && card) {
    e.preventDefault();
    const s = session(Number(card.dataset.id));
    if (s) act(s.id, shownView(s).running ? 'pause' : 'start');
  } else if (e.key === 'n' || e.key === 'N') {
    e.preventDefault();
    openSessionDialog(null);
  } else if (e.key === '?') {
    e.preventDefault();
    document.getElementById('shortcuts-dialog').showModal();
  }
}

async function resetAll() {
  if (!(await confirmDialog('Reset every timer? Recorded time is kept.', 'Reset all'))) return;
  try {
    await Promise.all([...pending.keys()].map(release));
    await current()?.resetAll();
  } catch (error) {
    report(error);
  }
}

function openSessionDialog(s) {
  editing = s;
  sessionForm.reset();
  document.getElementById('session-error').hidden = true;
  document.getElementById('session-dialog-title').textContent = s ? 'Edit session' : 'Add session';
  field('groupId').innerHTML = '<option value="">No group</option>'
    + groups().map((g) => `<option value="${g.id}">${escapeHtml(g.name)}</option>`).join('');
  field('title').value = s?.title ?? '';
  field('groupId').value = s?.groupId ?? '';
  field('noGoal').checked = s?.noGoal ?? false;
  field('noGoal').disabled = s !== null; // fixed at creation
  field('duration').value = s ? (s.initialDuration ? clockText(s.initialDuration) : '') : '25:00';
  field('goal').value = s ? (s.dailyGoalMinutes ?? '') : 60;
  showGoalFields();
  sessionDialog.showModal();
}

function showGoalFields() {
  const goalless = field('noGoal').checked;
  for (const name of ['duration', 'goal']) {
    field(name).hidden = goalless;
    field(name).required = !goalless;
    sessionForm.querySelector(`label[for=session-${name}]`).hidden = goalless;
  }
}

async function saveSession(e) {
  e.preventDefault();
  const errorBox = document.getElementById('session-error');
  const noGoal = field('noGoal').checked;
  const body = { title: field('title').value.trim(), groupId: field('groupId').value ? Number(field('groupId').value) : null };
  if (!noGoal) {
    body.initialDuration = parseDuration(field('duration').value);
    body.dailyGoalMinutes = Number(field('goal').value);
    if (!(body.initialDuration >= 1 && body.initialDuration <= 86400)) {
      showFormError(errorBox, new Error('The countdown must be from 1 second to 24 hours, e.g. 25:00.'));
      return;
    }
  }
  const view = current();
  // Deleted meanwhile, maybe on another device: the view no longer holds it.
  const gone = { status: 404 };
  try {
    if (editing) {
      const s = view.session(editing.id);
      if (!s) throw gone;
      const changes = Object.fromEntries(Object.entries(body).filter(([key, value]) => s[key] !== value));
      if (Object.keys(changes).length) await view.edit(s.id, changes);
    } else {
      await view.create(noGoal ? { ...body, noGoal } : body);
    }
    sessionDialog.close();
  } catch (error) {
    showFormError(errorBox, error === gone || !editing || view.session(editing.id) ? error : gone);
  }
}

function openGroupsDialog() {
  renderGroups();
  document.getElementById('group-error').hidden = true;
  groupsDialog.showModal();
}

/** Groups are changed online only (the live view does not queue them); the list follows the view's events. */
function renderGroups() {
  shownGroups = JSON.stringify(groups().map((g) => [g.id, g.name, g.description]));
  groupList.innerHTML = groups().map((g) => `<li data-group="${g.id}">
      <label>Name <input name="name" required maxlength="100" value="${escapeHtml(g.name)}"></label>
      <label>Description <input name="description" maxlength="1000" value="${escapeHtml(g.description)}"></label>
      <button type="button" data-action="save-group" aria-label="Save group ${escapeHtml(g.name)}">Save</button>
      <button type="button" data-action="delete-group" class="danger" aria-label="Delete group ${escapeHtml(g.name)}">Delete</button>
    </li>`).join('') || '<li class="empty">No groups yet.</li>';
}

async function onGroupAction(button) {
  if (!button) return;
  const item = button.closest('[data-group]');
  const id = Number(item.dataset.group);
  const errorBox = document.getElementById('group-error');
  errorBox.hidden = true;
  try {
    if (button.dataset.action === 'save-group') {
      const value = (name) => item.querySelector(`[name=${name}]`).value;
      await api.editGroup(id, { name: value('name').trim(), description: value('description') });
    } else if (await confirmDialog(`Delete the group “${groups().find((g) => g.id === id)?.name}”? Its sessions stay, ungrouped.`)) {
      await api.deleteGroup(id);
    }
  } catch (error) {
    showFormError(errorBox, error);
  }
}

async function addGroup(e) {
  e.preventDefault();
  const form = e.target;
  try {
    await api.createGroup(form.elements.name.value.trim(), form.elements.description.value);
    form.reset();
  } catch (error) {
    showFormError(document.getElementById('group-error'), error);
  }
}
