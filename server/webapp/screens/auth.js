// Sign in and sign up.

import { errorText, h } from "../lib/dom.js";
import { LOGIN, REGISTER } from "../lib/operations.js";

export default function auth(view, { mode }, ctx) {
  const signup = mode === "signup";
  const error = h("p", { class: "form-error", role: "alert", id: "auth-error" });
  const field = (id, label, attrs) =>
    h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, name: id, required: true, "aria-describedby": "auth-error", ...attrs }));
  const form = h(
    "form",
    { class: "card auth-form", novalidate: false },
    h("h1", {}, signup ? "Create your account" : "Sign in to Snapfeed"),
    field("username", "Username", {
      autocomplete: "username",
      autocapitalize: "none",
      spellcheck: false,
      minlength: signup ? 3 : undefined,
      maxlength: 30,
      pattern: signup ? "[A-Za-z0-9._]{3,30}" : undefined,
      title: signup ? "3 to 30 letters, digits, dots or underscores" : undefined,
    }),
    signup ? field("displayName", "Name (optional)", { autocomplete: "name", required: false }) : null,
    field("password", "Password", {
      type: "password",
      autocomplete: signup ? "new-password" : "current-password",
      minlength: signup ? 8 : undefined,
    }),
    error,
    h("button", { type: "submit", class: "primary wide" }, signup ? "Sign up" : "Sign in"),
    h(
      "p",
      { class: "switch" },
      signup ? "Have an account? " : "New to Snapfeed? ",
      h("a", { href: signup ? "#/signin" : "#/signup" }, signup ? "Sign in" : "Create an account"),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    error.textContent = "";
    try {
      const payload = signup
        ? (await ctx.request(REGISTER, { input: { username: values.username.trim(), password: values.password, displayName: values.displayName?.trim() || null } })).register
        : (await ctx.request(LOGIN, { username: values.username.trim(), password: values.password })).login;
      ctx.session.signIn(payload.token, payload.user);
      const next = sessionStorage.getItem("snapfeed.next");
      sessionStorage.removeItem("snapfeed.next");
      ctx.go(next && !next.startsWith("#/sign") ? next : "#/");
    } catch (failure) {
      error.textContent = errorText(failure);
      button.disabled = false;
      form.querySelector("input").focus();
    }
  });
  view.append(form);
  if (ctx.session.token) view.prepend(h("p", { class: "notice" }, "You are signed in already. ", h("a", { href: "#/" }, "Go to your feed")));
  form.querySelector("input").focus();
}
