// Links to a place's page: its posts nearby (postsNear) when it has coordinates.

import { h } from "./dom.js";

export function placeHref(place) {
  if (place.latitude === null || place.longitude === null) return null;
  const params = new URLSearchParams({ name: place.name, lat: String(place.latitude), lng: String(place.longitude) });
  return `#/place?${params}`;
}

export function placeLink(place, className = "place-link") {
  const href = placeHref(place);
  return href ? h("a", { class: className, href }, place.name) : h("span", { class: className }, place.name);
}
