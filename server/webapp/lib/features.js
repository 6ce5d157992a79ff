// What the server offers, read once from its schema: screens and controls of features that
// arrive later (ranked feed, notifications, block/mute/report, filters, places) show only
// where the API has them, so this app works against older and newer servers alike.

import { CAPABILITIES } from "./operations.js";

export async function loadFeatures(request) {
  const names = new Set();
  const enums = new Map();
  try {
    const data = await request(CAPABILITIES);
    const schema = data.__schema;
    for (const [type, root] of [
      ["Query", schema.queryType],
      ["Mutation", schema.mutationType],
      ["Subscription", schema.subscriptionType],
      ["Post", data.post],
      ["User", data.user],
      ["Media", data.media],
      ["SearchResult", data.searchResult],
    ]) {
      for (const field of root?.fields ?? []) names.add(`${type}.${field.name}`);
    }
    enums.set("FeedOrder", (data.feedOrder?.enumValues ?? []).map((v) => v.name));
  } catch (error) {
    // Introspection refused (e.g. trusted documents only): the v1 screens still work.
    console.info("schema capabilities unavailable:", error.message);
  }
  return {
    has: (...fields) => fields.every((f) => names.has(f)),
    values: (enumName) => enums.get(enumName) ?? [],
  };
}
