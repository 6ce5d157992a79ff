// Search people and hashtags by prefix, as one types.

import { announce, errorText, h, plural, replace } from "../lib/dom.js";
import { SEARCH, SEARCH_PLACES } from "../lib/operations.js";
import { placeLink } from "../lib/places.js";
import { suggestions } from "../components/suggestions.js";
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
    placeholder: ctx.features.has("SearchResult.places") ? "People, #hashtags or places" : "People or #hashtags",
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
      // Places: on servers that search them, in a second request (older servers lack the field).
      const withPlaces = ctx.features.has("SearchResult.places");
      const [{ search: found }, placed] = await Promise.all([
        ctx.request(SEARCH, { query: text }),
        withPlaces ? ctx.request(SEARCH_PLACES, { query: text }) : null,
      ]);
      if (mine !== latest) return;
      const places = (placed?.search.places ?? []).map((place) => h("li", {}, placeLink(place, "tag-result")));
      const users = found.users.map((user) => h("li", {}, personRow(user, ctx)));
      const tags = found.hashtags.map((tag) =>
        h("li", {}, h("a", { class: "tag-result", href: `#/t/${encodeURIComponent(tag.name)}` }, h("strong", {}, `#${tag.name}`), h("span", {}, plural(tag.postCount, "post")))),
      );
      replace(
        results,
        users.length ? h("section", { "aria-label": "People" }, h("h2", {}, "People"), h("ul", { class: "people", role: "list" }, users)) : null,
        tags.length ? h("section", { "aria-label": "Hashtags" }, h("h2", {}, "Hashtags"), h("ul", { class: "tags", role: "list" }, tags)) : null,
        places.length ? h("section", { "aria-label": "Places" }, h("h2", {}, "Places"), h("ul", { class: "tags", role: "list" }, places)) : null,
        !users.length && !tags.length && !places.length ? h("p", {}, `Nothing found for “${text}”.`) : null,
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
  else suggestions(ctx).then((section) => section && !input.value.trim() && results.replaceChildren(section));
  return () => clearTimeout(timer);
}
