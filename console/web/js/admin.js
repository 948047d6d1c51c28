// The account pages, for administrators: accounts (list, create) and an
// account's keys (list, create, disable, enable). S3 has no API for
// these; the console calls the account functions `amphora admin` uses,
// and refuses anyone but an administrator's unrestricted key.

import {api} from "./api.js";
import {h, mount, formatDate, toast, copyText} from "./dom.js";
import {state} from "./state.js";

export async function accountsView(view, account) {
  if (account) return keysView(view, account);
  document.title = "Accounts - Amphora console";
  const list = h("div", {class: "panel", id: "account-list"}, h("div", {class: "empty"}, "Loading..."));
  const name = h("input", {type: "text", placeholder: "Display name", id: "new-account-name"});
  const email = h("input", {type: "email", placeholder: "e-mail (optional)", id: "new-account-email"});
  const admin = h("input", {type: "checkbox", id: "new-account-admin"});
  const form = h("form", {class: "row", onsubmit: async e => {
    e.preventDefault();
    try {
      const a = await api("POST", "/api/admin/accounts", {displayName: name.value, email: email.value, admin: admin.checked});
      toast("Account " + a.displayName + " created");
      name.value = email.value = "";
      admin.checked = false;
      load();
    } catch (err) { toast("Create account: " + err.message, true); }
  }}, name, email, h("label", {class: "switch"}, admin, "Administrator"), h("button", {type: "submit"}, "Create account"));
  mount(view, h("div", {class: "page-head"}, h("h1", {}, "Accounts"), h("span", {class: "spacer"}), form), list);

  async function load() {
    let accounts;
    try {
      accounts = await api("GET", "/api/admin/accounts");
    } catch (e) {
      mount(list, h("div", {class: "empty error"}, e.message));
      return;
    }
    mount(list, h("table", {},
      h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Canonical id"), h("th", {}, "E-mail"), h("th", {}, "Created"), h("th", {}, ""))),
      h("tbody", {}, accounts.map(a => h("tr", {dataset: {account: a.id}},
        h("td", {}, h("a", {href: "#/accounts/" + encodeURIComponent(a.id)}, a.displayName || a.id), " ",
          a.admin ? h("span", {class: "badge on"}, "admin") : null,
          a.id === state.session.account ? h("span", {class: "badge"}, "you") : null),
        h("td", {}, h("code", {title: a.id}, a.id.length > 20 ? a.id.slice(0, 20) + "\u2026" : a.id)),
        h("td", {}, a.email || ""),
        h("td", {class: "muted"}, formatDate(a.created)),
        h("td", {class: "actions"}, h("a", {href: "#/accounts/" + encodeURIComponent(a.id)}, "Keys")))))));
  }
  load();
}

async function keysView(view, account) {
  document.title = "Keys - Amphora console";
  const list = h("div", {class: "panel", id: "key-list"}, h("div", {class: "empty"}, "Loading..."));
  const secretBox = h("div", {id: "new-secret"});
  const scope = h("input", {type: "text", size: 36, id: "new-key-buckets", placeholder: "all buckets, or photos:read,logs:readwrite"});
  const form = h("form", {class: "row", onsubmit: async e => {
    e.preventDefault();
    try {
      const k = await api("POST", "/api/admin/keys", {account, buckets: scope.value});
      scope.value = "";
      const secret = h("input", {type: "text", readonly: true, value: k.secretKey, size: 44, id: "new-secret-value"});
      mount(secretBox, h("div", {class: "secret-once"},
        h("div", {}, "Access key ", h("code", {}, k.accessKey), " created. Its secret key is shown this once:"),
        h("div", {class: "linkbox"}, secret, h("button", {class: "secondary small", onclick: () => copyText(k.secretKey, secret)}, "Copy"))));
      load();
    } catch (err) { toast("Create key: " + err.message, true); }
  }}, scope, h("button", {type: "submit"}, "Create key"));
  mount(view,
    h("div", {class: "page-head"}, h("div", {class: "crumbs"}, h("a", {href: "#/accounts"}, "Accounts"), " / ", h("code", {}, account)),
      h("span", {class: "spacer"}), form),
    secretBox, list);

  async function load() {
    let keys;
    try {
      keys = await api("GET", "/api/admin/keys?account=" + encodeURIComponent(account));
    } catch (e) {
      mount(list, h("div", {class: "empty error"}, e.message));
      return;
    }
    if (keys.length === 0) {
      mount(list, h("div", {class: "empty"}, "No key in Cassandra (keys of the config file are not listed here)."));
      return;
    }
    mount(list, h("table", {},
      h("thead", {}, h("tr", {}, h("th", {}, "Access key"), h("th", {}, "Status"), h("th", {}, "Buckets"), h("th", {}, "Created"), h("th", {}, ""))),
      h("tbody", {}, keys.map(k => h("tr", {dataset: {key: k.accessKey}},
        h("td", {}, h("code", {}, k.accessKey), k.accessKey === state.session.accessKey ? [" ", h("span", {class: "badge"}, "this session")] : null),
        h("td", {}, k.disabled ? h("span", {class: "badge warn"}, "disabled") : h("span", {class: "badge on"}, "active")),
        h("td", {}, k.buckets ? Object.entries(k.buckets).map(([b, p]) => b + ":" + p).join(", ") : h("span", {class: "muted"}, "all of the account's")),
        h("td", {class: "muted"}, formatDate(k.created)),
        h("td", {class: "actions"}, h("button", {class: k.disabled ? "secondary small" : "danger small", onclick: async () => {
          if (!k.disabled && k.accessKey === state.session.accessKey && !confirm("Disable the key of this session? You will be signed out.")) return;
          try {
            await api("POST", "/api/admin/keys/state", {accessKey: k.accessKey, disabled: !k.disabled});
            toast(k.accessKey + (k.disabled ? " enabled" : " disabled"));
            load();
          } catch (e) { toast(e.message, true); }
        }}, k.disabled ? "Enable" : "Disable")))))));
  }
  load();
}
