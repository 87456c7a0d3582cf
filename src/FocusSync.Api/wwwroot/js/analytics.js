// The analytics page: GET /analytics drawn as stacked bars per session with the goal as a line,
// a table of totals and streaks, and the same report as CSV.
import { durationText, escapeHtml } from './format.js';
import { describeError } from './notices.js';
import { api, groups as viewGroups, sessions, shown, subscribe, user } from './view.js';

const COLORS = ['#2563eb', '#16a34a', '#ea580c', '#9333ea', '#0891b2', '#db2777', '#65a30d', '#ca8a04', '#4f46e5', '#dc2626'];
const form = document.getElementById('analytics-form');
const canvas = document.getElementById('analytics-chart');
const errorBox = document.getElementById('analytics-error');
const page = document.getElementById('analytics');
const RUNNING_REFRESH_MS = 30_000;
let chart = null;
let report = console.error;
let refreshTimer = 0;

export function initAnalytics(reportError) {
  report = reportError;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    showAnalytics();
  });
  form.elements.period.addEventListener('change', () => {
    form.elements.from.value = form.elements.to.value = ''; // each period has its own default range
    showAnalytics();
  });
  for (const name of ['from', 'to', 'groupId']) form.elements[name].addEventListener('change', showAnalytics);
  form.querySelector('.quick-ranges').addEventListener('click', (e) => {
    const range = e.target.closest('button[data-range]')?.dataset.range;
    if (range) quickRange(range);
  });
  document.getElementById('download-csv').addEventListener('click', downloadCsv);
  // The report follows the timers: any change refreshes it, and a running timer's time every half minute.
  subscribe((change) => change.type !== 'status' && scheduleRefresh(1000));
  setInterval(() => {
    if (sessions().some((s) => shown(s).running)) scheduleRefresh(0);
  }, RUNNING_REFRESH_MS);
}

function scheduleRefresh(delayMs) {
  if (page.hidden) return;
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(showAnalytics, delayMs);
}

/** A date `days` after an ISO date, as an ISO date. */
const addDays = (iso, days) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function quickRange(range) {
  const today = user()?.currentDay;
  if (!today) return;
  const weekday = new Date(`${today}T00:00:00Z`).getUTCDay();
  const sinceWeekStart = (weekday - WEEKDAYS.indexOf(user().weekStart) + 7) % 7;
  const [period, from] = {
    'this-week': ['daily', addDays(today, -sinceWeekStart)],
    'last-30-days': ['daily', addDays(today, -29)],
    'this-year': ['monthly', `${today.slice(0, 4)}-01-01`],
  }[range];
  form.elements.period.value = period;
  form.elements.from.value = from;
  form.elements.to.value = today;
  showAnalytics();
}

export async function showAnalytics() {
  const groups = form.elements.groupId;
  const selected = groups.value;
  groups.innerHTML = '<option value="">All groups</option>'
    + viewGroups().map((g) => `<option value="${g.id}">${escapeHtml(g.name)}</option>`).join('');
  groups.value = viewGroups().some((g) => g.id === Number(selected)) ? selected : '';
  try {
    const data = await api.analytics(query());
    errorBox.hidden = true;
    draw(data);
  } catch (error) {
    if (error?.status !== 400) {
      report(error);
      return;
    }
    // A range the server refuses: its reason, and nothing left over from the last report.
    errorBox.textContent = describeError(error);
    errorBox.hidden = false;
    chart?.destroy();
    chart = null;
    document.getElementById('analytics-total').textContent = '';
    document.querySelector('#analytics-sessions tbody').innerHTML = '';
  }
}

function query() {
  const params = { period: form.elements.period.value };
  for (const name of ['from', 'to']) if (form.elements[name].value) params[name] = form.elements[name].value;
  if (form.elements.groupId.value) params.groupId = Number(form.elements.groupId.value);
  return params;
}

function bucketLabel(period, bucket) {
  if (period === 'monthly') return bucket.start.slice(0, 7);
  if (period === 'weekly') return `${bucket.start} – ${bucket.end.slice(5)}`;
  return bucket.start;
}

function draw(data) {
  const sessions = new Map();
  for (const bucket of data.buckets) for (const item of bucket.items) sessions.set(item.sessionId, item.title);
  const minutes = (bucket, id) => (bucket.items.find((i) => i.sessionId === id)?.seconds ?? 0) / 60;
  // The goal line is what the person aims for now: deleted sessions' goals are left out of it.
  const goal = (bucket) => bucket.items.reduce((sum, i) => sum + (i.deleted ? 0 : i.goalMinutes ?? 0), 0) || null;
  const chartData = {
    labels: data.buckets.map((b) => bucketLabel(data.period, b)),
    datasets: [
      ...[...sessions].map(([id, title], i) => ({
        type: 'bar', label: title, sessionId: id, stack: 'time',
        data: data.buckets.map((b) => minutes(b, id)), backgroundColor: COLORS[i % COLORS.length],
      })),
      {
        type: 'line', label: 'Goal', stack: 'goal', data: data.buckets.map(goal),
        borderColor: '#111827', borderDash: [6, 4], pointRadius: 3, spanGaps: false,
      },
    ],
  };
  if (chart) {
    chart.data = chartData;
    chart.update();
  } else {
    chart = new Chart(canvas, {
      data: chartData,
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: 'Minutes' } },
        },
        plugins: {
          tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${durationText((c.raw ?? 0) * 60)}` } },
        },
      },
    });
  }
  document.getElementById('analytics-total').textContent =
    `${durationText(data.summary.totalSeconds)} in total, ${data.from} to ${data.to} (${data.timeZone})`;
  renderSessions(data);
}

function renderSessions(data) {
  const rows = data.summary.sessions.map((s) => {
    // The current day's goal can still be met: it counts once met, and is not a miss before it ends.
    const items = data.buckets.flatMap((b) => b.items.filter(
      (i) => i.sessionId === s.sessionId && i.goalMet !== null && (i.goalMet || !b.inProgress)));
    const met = items.filter((i) => i.goalMet).length;
    const streak = s.currentStreakDays === null ? '—' : `${s.currentStreakDays} day${s.currentStreakDays === 1 ? '' : 's'}`;
    const title = s.deleted ? `${escapeHtml(s.title)} (deleted)` : escapeHtml(s.title);
    return `<tr><th scope="row">${title}</th><td>${durationText(s.seconds)}</td>
      <td>${items.length ? `${met} of ${items.length}` : '—'}</td><td>${streak}</td></tr>`;
  });
  document.querySelector('#analytics-sessions tbody').innerHTML =
    rows.join('') || '<tr><td colspan="4">No time recorded in this range.</td></tr>';
}

async function downloadCsv() {
  try {
    const { period, from, to } = query();
    const csv = await api.analyticsCsv(query());
    const name = `focussync-${[period, from, to].filter(Boolean).join('-')}.csv`;
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    const link = Object.assign(document.createElement('a'), { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    report(error);
  }
}
