// The timers page: sessions by group, ticking locally from the server's values, and their actions.
import { del, patch, post } from './api.js';
import { signalCompleted } from './alerts.js';
import { confirmDialog, showFormError } from './dialogs.js';
import { clockText, durationText, escapeHtml, parseDuration } from './format.js';
import { resync } from './live.js';
import { liveView, putGroup, putSession, removeGroup, removeSession, state, subscribe } from './store.js';

const list = document.getElementById('session-list');
const sessionDialog = document.getElementById('session-dialog');
const sessionForm = document.getElementById('session-form');
const groupsDialog = document.getElementById('groups-dialog');
const groupList = document.getElementById('group-list');
const field = (name) => sessionForm.elements[name];

const seenRunning = new Set(); // ids seen running in this tab: only their completion is signalled
const signalled = new Set();
const checked = new Set(); // `${id}:${targetTimeMs}` countdowns already re-read after their target
let editing = null;
let report = console.error;

export function initTimers(reportError) {
  report = reportError;
  subscribe(render);
  setInterval(tick, 250);
  list.addEventListener('click', (e) => onCardAction(e.target.closest('button[data-action]')));
  document.getElementById('add-session').addEventListener('click', () => openSessionDialog(null));
  document.getElementById('reset-all').addEventListener('click', resetAll);
  document.getElementById('manage-groups').addEventListener('click', openGroupsDialog);
  field('noGoal').addEventListener('change', showGoalFields);
  sessionForm.addEventListener('submit', saveSession);
  groupList.addEventListener('click', (e) => onGroupAction(e.target.closest('button[data-action]')));
  document.getElementById('group-form').addEventListener('submit', addGroup);
  for (const dialog of [sessionDialog, groupsDialog]) {
    dialog.querySelector('.cancel').addEventListener('click', () => dialog.close());
  }
}

function render() {
  const focus = document.activeElement?.closest('[data-id]') && {
    id: document.activeElement.closest('[data-id]').dataset.id,
    action: document.activeElement.dataset.action,
  };
  const sessions = [...state.sessions.values()];
  const sections = [...state.groups.values()].map((g) => ({ id: g.id, name: g.name, description: g.description }));
  sections.push({ id: null, name: 'Ungrouped', description: '' });
  list.innerHTML = sections
    .map((section) => ({ ...section, items: sessions.filter((s) => (s.groupId ?? null) === section.id) }))
    .filter((section) => section.items.length > 0 || section.id !== null)
    .map(sectionHtml)
    .join('') || '<p class="empty">No sessions yet. Add one to start.</p>';
  if (focus) list.querySelector(`[data-id="${focus.id}"] [data-action="${focus.action}"]`)?.focus();
  tick();
}

function sectionHtml(section) {
  const titleId = `group-${section.id ?? 'none'}-title`;
  return `<section class="group" aria-labelledby="${titleId}">
    <h3 id="${titleId}">${escapeHtml(section.name)}</h3>
    ${section.description ? `<p class="hint">${escapeHtml(section.description)}</p>` : ''}
    ${section.items.length ? `<div class="cards">${section.items.map(cardHtml).join('')}</div>` : '<p class="empty">No sessions in this group.</p>'}
  </section>`;
}

function cardHtml(s) {
  const title = escapeHtml(s.title);
  const goal = s.noGoal
    ? '<p class="goal-text">No goal: counts up</p>'
    : `<label class="goal"><span data-role="goal-text"></span><progress data-role="goal" max="${s.dailyGoalMinutes * 60}"></progress></label>`;
  return `<article class="card" data-id="${s.id}" aria-labelledby="session-${s.id}-title">
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

/** Updates the ticking parts of every card, and notices countdowns that just reached zero. */
function tick() {
  for (const card of list.querySelectorAll('.card')) {
    const s = state.sessions.get(Number(card.dataset.id));
    if (!s) continue;
    const view = liveView(s);
    const status = view.completed ? 'completed' : view.running ? 'running' : 'paused';
    card.dataset.state = status;
    card.querySelector('[data-role=time]').textContent = clockText(view.seconds);
    card.querySelector('[data-role=status]').textContent = { completed: 'Completed', running: 'Running', paused: 'Paused' }[status];
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
  }
  // The server completes it within a second and says so; should that event be missed, read it back.
  const key = `${s.id}:${s.targetTimeMs}`;
  if (s.state === 'RUNNING' && !checked.has(key)) {
    checked.add(key);
    setTimeout(() => state.sessions.get(s.id)?.state === 'RUNNING' && resync(), 1500);
  }
}

async function onCardAction(button) {
  if (!button) return;
  const s = state.sessions.get(Number(button.closest('[data-id]').dataset.id));
  if (!s) return;
  try {
    switch (button.dataset.action) {
      case 'toggle':
        putSession(await post(`/sessions/${s.id}/actions/${liveView(s).running ? 'pause' : 'start'}`));
        break;
      case 'reset':
        putSession(await post(`/sessions/${s.id}/actions/reset`));
        break;
      case 'edit':
        openSessionDialog(s);
        break;
      case 'delete':
        if (await confirmDialog(`Delete “${s.title}”? Its recorded time stays in the analytics.`)) {
          await del(`/sessions/${s.id}`);
          removeSession(s.id);
        }
        break;
    }
  } catch (error) {
    report(error);
  }
}

async function resetAll() {
  if (!(await confirmDialog('Reset every timer? Recorded time is kept.', 'Reset all'))) return;
  try {
    await post('/sessions/actions/reset-all');
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
    + [...state.groups.values()].map((g) => `<option value="${g.id}">${escapeHtml(g.name)}</option>`).join('');
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
  try {
    if (editing) {
      const changes = Object.fromEntries(Object.entries(body).filter(([key, value]) => editing[key] !== value));
      if (Object.keys(changes).length) putSession(await patch(`/sessions/${editing.id}`, changes));
    } else {
      putSession(await post('/sessions', noGoal ? { ...body, noGoal } : body));
    }
    sessionDialog.close();
  } catch (error) {
    showFormError(errorBox, error);
  }
}

function openGroupsDialog() {
  renderGroups();
  document.getElementById('group-error').hidden = true;
  groupsDialog.showModal();
}

function renderGroups() {
  groupList.innerHTML = [...state.groups.values()].map((g) => `<li data-group="${g.id}">
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
      putGroup(await patch(`/groups/${id}`, { name: value('name').trim(), description: value('description') }));
    } else if (await confirmDialog(`Delete the group “${state.groups.get(id)?.name}”? Its sessions stay, ungrouped.`)) {
      await del(`/groups/${id}`);
      removeGroup(id);
    }
    renderGroups();
  } catch (error) {
    showFormError(errorBox, error);
  }
}

async function addGroup(e) {
  e.preventDefault();
  const form = e.target;
  try {
    putGroup(await post('/groups', { name: form.elements.name.value.trim(), description: form.elements.description.value }));
    form.reset();
    renderGroups();
  } catch (error) {
    showFormError(document.getElementById('group-error'), error);
  }
}
