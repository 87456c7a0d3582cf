// "Download my data" (GET /me/export) and "Delete my account" (DELETE /me, then the Firebase account), on the settings page.
import { auth } from './auth.js';
import { confirmDialog } from './dialogs.js';
import { toast } from './notices.js';
import { api, current, forgetAccount, subscribe } from './view.js';

const LOST = 'Delete your account? This removes, on every device and for good: all your sessions, deleted ones too, '
  + 'their whole daily history and analytics, your groups, your settings and your synced changes. '
  + 'Download your data first if you want to keep it.';

// While this page deletes the account itself, the service's close message is this page's own doing.
let deleting = false;

export function initAccount(report) {
  document.getElementById('download-data').addEventListener('click', () => download().catch(report));
  document.getElementById('delete-account').addEventListener('click', () => deleteAccount().catch(report));
  subscribe((change) => {
    if (change.type === 'status' && current()?.status === 'deleted' && !deleting) deletedElsewhere().catch(report);
  });
}

/** Another device deleted the account: nothing of it stays here, and the page signs out rather than start a new one. */
async function deletedElsewhere() {
  // Changes not yet sent belong to the deleted account: they go with it, and the person is told how many.
  const unsent = (await current().pending()).length;
  await forgetAccount();
  await auth.signOut();
  const lost = unsent ? ` ${unsent} change${unsent === 1 ? '' : 's'} made here and not yet sent went with it.` : '';
  toast(`This account was deleted on another device, with all its data.${lost} Sign in again to start a new one.`, { ms: 0 });
}

async function download() {
  const data = await api.exportData();
  const name = `focussync-export-${new Date().toISOString().slice(0, 10)}.json`;
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function deleteAccount() {
  if (!await confirmDialog(LOST, 'Delete my account')) return;
  deleting = true;
  try {
    await api.deleteAccount();
    await forgetAccount();
  } finally {
    deleting = false;
  }
  try {
    // After the service answered 204: a failure here leaves a sign-in with no data, and deleting again finishes it.
    await auth.deleteSignIn();
  } catch (error) {
    if (error?.code === 'auth/requires-recent-login') {
      throw new Error('Your data is deleted. To delete your sign-in too, sign in again and choose "Delete my account" once more.');
    }
    throw error;
  }
  await auth.signOut();
}
