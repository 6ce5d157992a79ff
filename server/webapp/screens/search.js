// Search people and hashtags by prefix, as one types.

import { announce, errorText, h, plural, replace } from "../lib/dom.js";
import { SEARCH } from "../lib/operations.js";
import { personRow } from "./people.js";

export default function search(view, { query }, ctx) {
  const input = h("input", {
    id: "search-query",
    type: "search",
    name: "q",
    maxlength: 50,
    autocomplete: "off",
    autocapitalize: "none",
    spellcheck: false,
    placeholder: "People or #hashtags",
    value: query.get("q") ?? "",
  });
  const results = h("div", { class: "search-results", "aria-live": "polite" });
  let timer = null;
  let latest = 0;

  async function run() {
    const text = input.value.trim();
    history.replaceState(null, "", text ? `#/search?q=${encodeURIComponent(text)}` : "#/search");
    if (!text) return results.replaceChildren();
    const mine = ++latest;
    try {
      const { search: found } = await ctx.request(SEARCH, { query: text });
      if (mine !== latest) return;
      const users = found.users.map((user) => h("li", {}, personRow(user, ctx)));
      const tags = found.hashtags.map((tag) =>
        h("li", {}, h("a", { class: "tag-result", href: `#/t/${encodeURIComponent(tag.name)}` }, h("strong", {}, `#${tag.name}`), h("span", {}, plural(tag.postCount, "post")))),
      );
      replace(
        results,
        users.length ? h("section", { "aria-label": "People" }, h("h2", {}, "People"), h("ul", { class: "people", role: "list" }, users)) : null,
        tags.length ? h("section", { "aria-label": "Hashtags" }, h("h2", {}, "Hashtags"), h("ul", { class: "tags", role: "list" }, tags)) : null,
        !users.length && !tags.length ? h("p", {}, `Nothing found for “${text}”.`) : null,
      );
    } catch (error) {
      if (mine === latest) announce(errorText(error), { error: true });
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 200);
  });
  const form = h(
    "form",
    { role: "search", class: "search-form", onsubmit: (e) => (e.preventDefault(), run()) },
    h("label", { for: "search-query", class: "visually-hidden" }, "Search people and hashtags"),
    input,
  );
  view.append(h("h1", {}, "Search"), form, results);
  input.focus();
  if (input.value) run();
  return () => clearTimeout(timer);
}
