// Square thumbnails linking to posts (profile, explore, hashtag pages).

import { h, plural } from "../lib/dom.js";
import { icon } from "../lib/icons.js";
import { describePhoto, picture } from "../lib/media.js";

export function gridItem(post) {
  const first = post.media[0];
  const thumb = picture(first, { alt: describePhoto(post), thumb: first.thumb });
  return h(
    "a",
    {
      class: "grid-item",
      href: `#/p/${post.id}`,
      title: `${plural(post.likeCount, "like")}, ${plural(post.commentCount, "comment")}`,
    },
    thumb,
    post.media.length > 1 ? h("span", { class: "badge" }, icon("carousel")) : null,
    first.kind === "VIDEO" ? h("span", { class: "badge" }, icon("play")) : null,
    post.status !== "PUBLISHED" ? h("span", { class: "badge status" }, post.status.toLowerCase()) : null,
  );
}
