// The analytics page: GET /analytics drawn as stacked bars per session with the goal as a line,
// a table of totals and streaks, and the same report as CSV.
import { api, get } from './api.js';
import { durationText, escapeHtml } from './format.js';
import { state } from './store.js';

const COLORS = ['#2563eb', '#16a34a', '#ea580c', '#9333ea', '#0891b2', '#db2777', '#65a30d', '#ca8a04', '#4f46e5', '#dc2626'];
const form = document.getElementById('analytics-form');
const canvas = document.getElementById('analytics-chart');
let chart = null;
let report = console.error;

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
  document.getElementById('download-csv').addEventListener('click', downloadCsv);
}

export async function showAnalytics() {
  const groups = form.elements.groupId;
  const selected = groups.value;
  groups.innerHTML = '<option value="">All groups</option>'
    + [...state.groups.values()].map((g) => `<option value="${g.id}">${escapeHtml(g.name)}</option>`).join('');
  groups.value = state.groups.has(Number(selected)) ? selected : '';
  try {
    draw(await get(`/analytics?${query()}`));
  } catch (error) {
    report(error);
  }
}

function query() {
  const params = new URLSearchParams({ period: form.elements.period.value });
  for (const name of ['from', 'to', 'groupId']) if (form.elements[name].value) params.set(name, form.elements[name].value);
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
    const response = await api('GET', `/analytics?${query()}`, undefined, { accept: 'text/csv' });
    const name = /filename="?([^";]+)"?/.exec(response.headers.get('Content-Disposition') ?? '')?.[1]
      ?? `focussync-${form.elements.period.value}.csv`;
    const url = URL.createObjectURL(await response.blob());
    const link = Object.assign(document.createElement('a'), { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    report(error);
  }
}
