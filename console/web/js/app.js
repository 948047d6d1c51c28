// The console's page: sign-in, the session, the router and the top bar.
// Views live in their own modules.

import {api, setCSRF, setSignedOutHandler, ApiError} from "./api.js";
import {h, mount, $, toast} from "./dom.js";
import {bucketsView} from "./buckets.js";
import {objectsView} from "./objects.js";
import {accountsView} from "./admin.js";
import {closeDrawer} from "./drawer.js";
import {state} from "./state.js";

async function boot() {
  setSignedOutHandler(signedOut);
  $("#signout").addEventListener("click", signOut);
  $("#drawer-close").addEventListener("click", closeDrawer);
  document.addEventListener("keydown", e => { if (e.key === "Escape") closeDrawer(); });
  window.addEventListener("hashchange", route);
  try {
    startSession(await api("GET", "/api/session"));
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) toast(e.message, true);
    showSignIn();
    return;
  }
  route();
}

function startSession(s) {
  state.session = s;
  setCSRF(s.csrf);
  $("#topbar").hidden = false;
  $("#who-name").textContent = s.displayName;
  $("#who-key").textContent = s.accessKey;
  $("#nav-accounts").hidden = !s.admin;
  document.body.dataset.signedIn = "true";
}

// signedOut runs when the server no longer knows the session.
function signedOut() {
  if (!state.session) return;
  state.session = null;
  toast("Your session has ended: sign in again.", true);
  showSignIn();
}

async function signOut() {
  try { await api("POST", "/api/logout"); } catch (e) { toast(e.message, true); }
  state.session = null;
  setCSRF("");
  location.hash = "";
  showSignIn();
}

function showSignIn() {
  closeDrawer();
  $("#topbar").hidden = true;
  $("#uploads").hidden = true;
  delete document.body.dataset.signedIn;
  document.title = "Sign in - Amphora console";
  const err = h("div", {class: "error", id: "signin-error", role: "alert"});
  const ak = h("input", {type: "text", id: "access-key", name: "accessKey", autocomplete: "username", required: true, spellcheck: "false"});
  const sk = h("input", {type: "password", id: "secret-key", name: "secretKey", autocomplete: "current-password", required: true});
  const btn = h("button", {type: "submit", id: "signin-button"}, "Sign in");
  const form = h("form", {class: "signin", id: "signin-form", onsubmit: async e => {
    e.preventDefault();
    btn.disabled = true;
    err.textContent = "";
    try {
      startSession(await api("POST", "/api/login", {accessKey: ak.value.trim(), secretKey: sk.value}));
      sk.value = "";
      if (!location.hash || location.hash === "#/") location.hash = "#/buckets"; // routes on hashchange
      else route();
    } catch (e2) {
      err.textContent = e2.message;
    } finally {
      btn.disabled = false;
    }
  }},
  h("h1", {}, "Amphora console"),
  h("p", {class: "muted"}, "Sign in with an access key and its secret key."),
  h("div", {class: "field"}, h("label", {for: "access-key"}, "Access key"), ak),
  h("div", {class: "field"}, h("label", {for: "secret-key"}, "Secret key"), sk),
  btn, err);
  mount($("#view"), form);
  ak.focus();
}

// route shows the view the location's hash names:
//   #/buckets, #/b/BUCKET/PREFIX, #/accounts, #/accounts/ACCOUNT
function route() {
  if (!state.session) return;
  closeDrawer();
  const hash = location.hash.replace(/^#\/?/, "");
  const [first, ...rest] = hash.split("/");
  for (const a of document.querySelectorAll("#topbar nav a")) {
    a.classList.toggle("active", a.dataset.nav === (first === "b" || first === "" ? "buckets" : first));
  }
  const view = $("#view");
  try {
    if (first === "b" && rest.length > 0) {
      const bucket = decodeURIComponent(rest[0]);
      const prefix = rest.slice(1).map(decodeURIComponent).join("/");
      objectsView(view, bucket, prefix);
      return;
    }
    if (first === "accounts" && state.session.admin) {
      accountsView(view, rest.length ? decodeURIComponent(rest.join("/")) : "");
      return;
    }
  } catch (e) {
    if (!(e instanceof URIError)) throw e; // a mangled address: show the buckets
  }
  bucketsView(view);
}

boot();
