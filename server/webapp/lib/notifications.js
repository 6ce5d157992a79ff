// The unread notifications badge, kept live for the whole app (notificationReceived), and
// the listeners of the notifications screen.

import { NOTIFICATION_RECEIVED, UNREAD_NOTIFICATIONS } from "./operations.js";

export function createNotifications(ctx, onCount) {
  let unread = 0;
  let stop = null;
  const listeners = new Set();

  async function refresh() {
    try {
      unread = (await ctx.request(UNREAD_NOTIFICATIONS)).unreadNotificationCount;
      onCount(unread);
    } catch {
      // the badge keeps its last count
    }
  }

  return {
    get unread() {
      return unread;
    },
    // (Re)start for the signed-in viewer; a no-op on servers without notifications.
    start() {
      stop?.();
      stop = null;
      unread = 0;
      onCount(0);
      if (!ctx.session.token || !ctx.features.has("Query.notifications", "Subscription.notificationReceived")) return;
      refresh();
      stop = ctx.live.subscribe(NOTIFICATION_RECEIVED, {}, ({ notificationReceived }) => {
        listeners.forEach((listener) => listener(notificationReceived));
        // A re-folded notification may already be unread: the server's count is the truth.
        refresh();
      });
    },
    markedRead() {
      unread = 0;
      onCount(0);
    },
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
