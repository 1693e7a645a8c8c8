/**
 * When a device session's stored last-seen time and expiry are due a write: the one rule of
 * `@auth`'s touch (`src/sessions/authenticate.ts`, written by `touch.ts`) and of rotation
 * (`rotation-write.ts`). A device is due when its last-seen time is at least
 * `JWT_SESSION_EXPIRATION_ACCURACY` old, or when sliding its expiry to
 * `JWT_REFRESH_EXPIRATION_DELTA` from now would move it by at least that much (a session
 * near its end slides on its next use even if it was seen a moment ago). Otherwise the
 * stored times are within the accuracy of the truth and nothing is written. Pure.
 */
export interface SlideTiming {
  /** `JWT_REFRESH_EXPIRATION_DELTA` in milliseconds. */
  lifetimeMs: number;
  /** `JWT_SESSION_EXPIRATION_ACCURACY` in milliseconds. */
  accuracyMs: number;
}

/** The rule as thresholds, for SQL: due when `last_seen_at <= lastSeenBefore or expires_at <= expiresBefore`. */
export interface SlideThresholds {
  lastSeenBefore: number;
  expiresBefore: number;
}

export function slideThresholds(now: number, timing: SlideTiming): SlideThresholds {
  return { lastSeenBefore: now - timing.accuracyMs, expiresBefore: now + timing.lifetimeMs - timing.accuracyMs };
}

/**
 * @example
 * slideDue({ lastSeenAt: now - 1000, expiresAt: now + week - 1000 }, now, { lifetimeMs: week, accuracyMs: 30 * 60_000 }) // false
 */
export function slideDue(device: { lastSeenAt: number; expiresAt: number }, now: number, timing: SlideTiming): boolean {
  const due = slideThresholds(now, timing);
  return device.lastSeenAt <= due.lastSeenBefore || device.expiresAt <= due.expiresBefore;
}

/** The timing from the settings. */
export function slideTiming(settings: { tokens: { refreshLifetime: number }; sessions: { expirationAccuracy: number } }): SlideTiming {
  return { lifetimeMs: settings.tokens.refreshLifetime * 1000, accuracyMs: settings.sessions.expirationAccuracy * 1000 };
}
