export { Outcome, type Change, type ChangeType, type Credit } from './timekeeping/outcome.js';
export { SessionTimer } from './timekeeping/sessionTimer.js';
export { TimerRules, UserTimers, type SessionEdit } from './timekeeping/timerRules.js';
export { UserClock, defaultSettings, sameSettings, type UserSettings } from './timekeeping/userClock.js';
