// Sign-in: development tokens from POST /dev/token, or Firebase ID tokens. Either is refreshed before it expires.
import { serverNow } from './clock.js';

const DEV_USER_KEY = 'focussync.devUser';
const REFRESH_BEFORE_MS = 5 * 60_000;

let firebase = null; // { auth, sdk } once Firebase is set up
let dev = null; // { uid, name, token, expiresAtMs }
let refreshing = null;
let refreshTimer = 0;
let onChange = () => {};

export const auth = {
  user: null, // { uid, name } when signed in

  /** Restores a previous sign-in if there is one; calls `changed` whenever the user changes. */
  async init(config, changed) {
    onChange = changed;
    if (config.authMode === 'Development') {
      const saved = JSON.parse(localStorage.getItem(DEV_USER_KEY) ?? 'null');
      // Without a network the sign-in stands: the token is fetched once the service can be reached.
      if (saved?.name) await auth.signInDev(saved.name).catch((error) => (error instanceof TypeError ? signInOffline(saved.name) : auth.signOut()));
      else onChange();
    } else if (config.firebase) {
      await setUpFirebase(config.firebase);
    } else {
      onChange();
    }
  },

  async signInDev(name) {
    const trimmed = name.trim();
    dev = { uid: trimmed.toLowerCase(), name: trimmed };
    await refreshDevToken();
    localStorage.setItem(DEV_USER_KEY, JSON.stringify({ name: trimmed }));
    setUser({ uid: dev.uid, name: dev.name });
  },

  async signInGoogle() {
    await firebase.sdk.signInWithPopup(firebase.auth, new firebase.sdk.GoogleAuthProvider());
  },

  async signInEmail(email, password) {
    await firebase.sdk.signInWithEmailAndPassword(firebase.auth, email, password);
  },

  async signOut() {
    clearTimeout(refreshTimer);
    localStorage.removeItem(DEV_USER_KEY);
    dev = null;
    if (firebase) await firebase.sdk.signOut(firebase.auth);
    setUser(null);
  },

  /** Deletes the Firebase account itself (development sign-in has none): the last step of deleting one's account. */
  async deleteSignIn() {
    if (firebase?.auth.currentUser) await firebase.sdk.deleteUser(firebase.auth.currentUser);
  },

  async getToken() {
    if (refreshing) await refreshing;
    if (firebase) return firebase.auth.currentUser?.getIdToken() ?? '';
    if (!dev) return '';
    if (serverNow() > dev.expiresAtMs - 60_000) await auth.invalidate();
    return dev.token;
  },

  /** Forgets the current token, e.g. after a 401, so that the next call gets a fresh one. */
  invalidate() {
    if (!refreshing) {
      const fresh = firebase ? firebase.auth.currentUser?.getIdToken(true) : dev ? refreshDevToken() : null;
      if (fresh) refreshing = fresh.catch(() => {}).finally(() => { refreshing = null; });
    }
    return refreshing ?? Promise.resolve();
  },
};

function signInOffline(name) {
  dev = { uid: name.toLowerCase(), name, token: '', expiresAtMs: 0 };
  setUser({ uid: dev.uid, name });
}

function setUser(user) {
  auth.user = user;
  onChange();
}

async function refreshDevToken() {
  const response = await fetch('/dev/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ uid: dev.uid, name: dev.name }),
  });
  if (!response.ok) throw new Error(`Sign-in failed (${response.status})`);
  const { token, expiresAtMs } = await response.json();
  Object.assign(dev, { token, expiresAtMs });
  clearTimeout(refreshTimer);
  const delay = Math.max(10_000, expiresAtMs - serverNow() - REFRESH_BEFORE_MS);
  refreshTimer = setTimeout(() => auth.invalidate(), delay);
}

async function setUpFirebase(config) {
  const [{ initializeApp }, sdk] = await Promise.all([
    import('../vendor/firebase/firebase-app.js'),
    import('../vendor/firebase/firebase-auth.js'),
  ]);
  const { emulatorUrl, ...options } = config;
  const app = initializeApp(options);
  firebase = { auth: sdk.getAuth(app), sdk };
  // The service trusts the Firebase Auth emulator (FIREBASE_AUTH_EMULATOR_HOST), so sign in against it.
  if (emulatorUrl) sdk.connectAuthEmulator(firebase.auth, emulatorUrl);
  // The SDK refreshes the ID token itself before it expires; getIdToken() always returns a valid one.
  await new Promise((resolve) => {
    sdk.onAuthStateChanged(firebase.auth, (user) => {
      setUser(user ? { uid: user.uid, name: user.displayName || user.email || user.uid } : null);
      resolve();
    });
  });
}
