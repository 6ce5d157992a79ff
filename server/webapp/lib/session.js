// The signed-in viewer: the bearer token (kept per API, in this browser) and who it is.

export function createSession(api) {
  const key = `snapfeed.token:${api}`;
  const listeners = new Set();
  const state = { token: localStorage.getItem(key), viewer: null };
  return {
    get token() {
      return state.token;
    },
    get viewer() {
      return state.viewer;
    },
    set viewer(user) {
      state.viewer = user;
    },
    signIn(token, viewer) {
      state.token = token;
      state.viewer = viewer;
      localStorage.setItem(key, token);
      listeners.forEach((f) => f());
    },
    signOut() {
      state.token = null;
      state.viewer = null;
      localStorage.removeItem(key);
      listeners.forEach((f) => f());
    },
    onChange(listener) {
      listeners.add(listener);
    },
  };
}
