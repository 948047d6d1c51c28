// A bucket's objects as folders by "/": one ListObjectsV2 page per view
// (continuation tokens, so a bucket of a million keys costs one listing
// page per click), prefix search, uploads by drag and drop or by file
// and folder pickers, downloads by pre-signed URL, and deleting several
// objects (and folders) at once with DeleteObjects.

import {s3, children, xmlText, escapeXML, presign, encodeKey} from "./api.js";
import {h, mount, formatSize, formatDate, toast} from "./dom.js";
import {objectDrawer} from "./objectdrawer.js";
import {bucketDrawer} from "./bucketdrawer.js";
import {enqueueUploads, filesFromDrop} from "./upload.js";

const pageSizes = [50, 100, 200, 500, 1000];
let pageSize = 100;

export function objectsView(view, bucket, prefix) {
  document.title = bucket + " - Amphora console";
  // tokens[i] is the continuation token of page i (page 0 has none).
  let tokens = [undefined];
  let search = "";

  const crumbs = h("div", {class: "crumbs", id: "crumbs"},
    h("a", {href: "#/buckets"}, "Buckets"), " / ",
    h("a", {href: folderHash(bucket, "")}, bucket), " / ",
    prefix.split("/").filter(Boolean).map((part, i, parts) => [
      h("a", {href: folderHash(bucket, parts.slice(0, i + 1).join("/") + "/")}, part), " / "]));

  const searchBox = h("input", {type: "search", id: "search", placeholder: "Search by prefix in this folder", size: 30,
    onkeydown: e => { if (e.key === "Enter") { search = searchBox.value; tokens = [undefined]; load(); } },
    onsearch: () => { search = searchBox.value; tokens = [undefined]; load(); }});
  const fileInput = h("input", {type: "file", multiple: true, id: "file-input", hidden: true, onchange: () => {
    upload([...fileInput.files].map(f => ({file: f, path: f.name})));
    fileInput.value = "";
  }});
  const folderInput = h("input", {type: "file", multiple: true, webkitdirectory: true, id: "folder-input", hidden: true, onchange: () => {
    upload([...folderInput.files].map(f => ({file: f, path: f.webkitRelativePath || f.name})));
    folderInput.value = "";
  }});
  const delButton = h("button", {class: "danger", id: "delete-selected", disabled: true, onclick: deleteSelected}, "Delete");
  const sizeSelect = h("select", {title: "Items per page", id: "page-size", onchange: () => { pageSize = Number(sizeSelect.value); tokens = [undefined]; load(); }},
    pageSizes.map(n => h("option", {value: n, selected: n === pageSize}, n + " per page")));
  const checkAll = h("input", {type: "checkbox", title: "Select all", onchange: () => {
    for (const c of table.querySelectorAll("tbody input[type=checkbox]")) c.checked = checkAll.checked;
    updateSelection();
  }});
  const table = h("table", {id: "object-table"});
  const pager = h("div", {class: "pager", id: "pager"});
  const listing = h("div", {class: "panel dropzone", id: "dropzone"},
    h("div", {class: "panel-head"}, searchBox,
      h("button", {class: "secondary", onclick: () => { search = searchBox.value; tokens = [undefined]; load(); }}, "Search"),
      h("span", {class: "spacer"}),
      h("button", {id: "upload-files", onclick: () => fileInput.click()}, "Upload files"),
      h("button", {class: "secondary", id: "upload-folder", onclick: () => folderInput.click()}, "Upload folder"),
      h("button", {class: "secondary", id: "new-folder", onclick: newFolder}, "New folder"),
      delButton,
      h("button", {class: "secondary", id: "refresh", title: "Refresh", onclick: () => load()}, "\u21BB"),
      fileInput, folderInput),
    table, pager);

  listing.addEventListener("dragover", e => { e.preventDefault(); listing.classList.add("over"); });
  listing.addEventListener("dragleave", e => { if (!listing.contains(e.relatedTarget)) listing.classList.remove("over"); });
  listing.addEventListener("drop", e => {
    e.preventDefault();
    listing.classList.remove("over");
    // The DataTransfer is readable only during the event: take its
    // entries now, walk the folders afterwards.
    filesFromDrop(e.dataTransfer).then(upload).catch(err => toast("Reading the dropped files: " + err.message, true));
  });

  mount(view,
    h("div", {class: "page-head"}, crumbs, h("span", {class: "spacer"}),
      h("span", {class: "muted"}, "Drop files or folders on the list to upload"),
      h("button", {class: "secondary", id: "bucket-settings", onclick: () => bucketDrawer(bucket)}, "Bucket settings")),
    listing);

  function upload(files) {
    if (files.length) enqueueUploads(bucket, prefix, files, () => load());
  }

  async function load() {
    const page = tokens.length - 1;
    mount(table, h("tbody", {}, h("tr", {}, h("td", {class: "empty"}, "Loading..."))));
    mount(pager);
    let res;
    try {
      res = await listPage(bucket, prefix + search, tokens[page]);
    } catch (e) {
      mount(table, h("tbody", {}, h("tr", {}, h("td", {class: "empty error"}, "Listing: " + e.message))));
      mount(pager);
      return;
    }
    checkAll.checked = false;
    const rows = [
      ...res.folders.map(p => h("tr", {dataset: {prefix: p}},
        h("td", {class: "check"}, h("input", {type: "checkbox", onchange: updateSelection})),
        h("td", {}, h("div", {class: "name-cell"}, h("span", {class: "icon folder"}),
          h("a", {href: folderHash(bucket, p), class: "folder-link"}, p.slice(prefix.length)))),
        h("td", {class: "num muted"}, ""), h("td", {class: "muted"}, "Folder"), h("td", {class: "actions"}))),
      ...res.objects.map(o => h("tr", {dataset: {key: o.key}},
        h("td", {class: "check"}, h("input", {type: "checkbox", onchange: updateSelection})),
        h("td", {}, h("div", {class: "name-cell"}, h("span", {class: "icon file"}),
          h("a", {href: "#", class: "object-link", onclick: e => { e.preventDefault(); objectDrawer(bucket, o.key, () => load()); }},
            o.key.slice(prefix.length) || o.key))),
        h("td", {class: "num"}, formatSize(o.size)),
        h("td", {class: "muted"}, formatDate(o.modified)),
        h("td", {class: "actions"}, h("button", {class: "secondary small", onclick: () => download(bucket, o.key)}, "Download")))),
    ];
    mount(table,
      h("thead", {}, h("tr", {}, h("th", {class: "check"}, checkAll), h("th", {}, "Name"), h("th", {class: "num"}, "Size"),
        h("th", {}, "Last modified"), h("th", {class: "actions"}, ""))),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", {colspan: 5, class: "empty"},
        search ? "Nothing starts with \u201C" + search + "\u201D here." : "This folder is empty: drop files here to upload them."))));
    mount(pager,
      h("button", {class: "secondary small", id: "prev-page", disabled: page === 0, onclick: () => { tokens.pop(); load(); }}, "\u2190 Previous"),
      h("span", {class: "muted", id: "page-info"}, "Page " + (page + 1) + " \u00B7 " + res.folders.length + " folders, " + res.objects.length + " objects"),
      h("button", {class: "secondary small", id: "next-page", disabled: !res.next, onclick: () => { tokens.push(res.next); load(); }}, "Next \u2192"),
      h("span", {class: "spacer"}), sizeSelect);
    updateSelection();
  }

  function selected() {
    return [...table.querySelectorAll("tbody tr")].filter(tr => tr.querySelector("input:checked"));
  }

  function updateSelection() {
    const n = selected().length;
    delButton.disabled = n === 0;
    delButton.textContent = n ? "Delete (" + n + ")" : "Delete";
  }

  async function deleteSelected() {
    const rows = selected();
    const keys = rows.filter(r => r.dataset.key !== undefined).map(r => r.dataset.key);
    const folders = rows.filter(r => r.dataset.prefix !== undefined).map(r => r.dataset.prefix);
    const what = [keys.length ? keys.length + " object(s)" : "", folders.length ? folders.length + " folder(s) and everything in them" : ""]
      .filter(Boolean).join(" and ");
    if (!confirm("Delete " + what + "?")) return;
    try {
      let failed = await deleteKeys(bucket, keys);
      for (const f of folders) failed += await deletePrefix(bucket, f);
      toast(failed ? failed + " object(s) could not be deleted" : "Deleted " + what, failed > 0);
    } catch (e) {
      toast("Delete: " + e.message, true);
    }
    load();
  }

  async function newFolder() {
    const name = (prompt("Folder name") || "").trim().replace(/^\/+|\/+$/g, "");
    if (!name) return;
    try {
      await s3("PUT", bucket, prefix + name + "/", {body: ""});
      load();
    } catch (e) {
      toast("New folder: " + e.message, true);
    }
  }

  load();
}

export function folderHash(bucket, prefix) {
  return "#/b/" + encodeURIComponent(bucket) + "/" + encodeKey(prefix);
}

// listPage reads one ListObjectsV2 page of prefix's direct children.
async function listPage(bucket, prefix, token) {
  const r = await s3("GET", bucket, "", {query: [["list-type", "2"], ["delimiter", "/"], ["prefix", prefix],
    ["max-keys", String(pageSize)], ["encoding-type", "url"], ["continuation-token", token]]});
  const root = r.xml.documentElement;
  const dec = s => decodeURIComponent(s);
  return {
    folders: children(root, "CommonPrefixes").map(p => dec(xmlText(p, "Prefix"))),
    objects: children(root, "Contents").map(c => ({
      key: dec(xmlText(c, "Key")), size: xmlText(c, "Size"), modified: xmlText(c, "LastModified"),
    })).filter(o => !(o.key === prefix && prefix.endsWith("/"))), // the folder's own marker object
    next: xmlText(root, "IsTruncated") === "true" ? xmlText(root, "NextContinuationToken") : "",
  };
}

// deleteKeys deletes keys with DeleteObjects, 1000 at a time, and
// returns how many S3 refused.
export async function deleteKeys(bucket, keys) {
  let failed = 0;
  for (let i = 0; i < keys.length; i += 1000) {
    const body = "<Delete><Quiet>true</Quiet>" +
      keys.slice(i, i + 1000).map(k => "<Object><Key>" + escapeXML(k) + "</Key></Object>").join("") + "</Delete>";
    const r = await s3("POST", bucket, "", {query: [["delete", null]], headers: {"Content-Type": "application/xml"}, body});
    failed += children(r.xml.documentElement, "Error").length;
  }
  return failed;
}

// deletePrefix deletes every key under prefix, a listing page at a time.
async function deletePrefix(bucket, prefix) {
  let failed = 0;
  for (;;) {
    const r = await s3("GET", bucket, "", {query: [["list-type", "2"], ["prefix", prefix], ["max-keys", "1000"], ["encoding-type", "url"]]});
    const keys = children(r.xml.documentElement, "Contents").map(c => decodeURIComponent(xmlText(c, "Key")));
    if (keys.length === 0) return failed;
    const f = await deleteKeys(bucket, keys);
    failed += f;
    if (f === keys.length) return failed; // nothing more will go
  }
}

// download saves an object through a short-lived pre-signed URL.
export async function download(bucket, key, versionId) {
  try {
    const {url} = await presign(bucket, key, {versionId, expires: 300, download: true});
    const a = h("a", {href: url, download: ""});
    document.body.append(a);
    a.click();
    a.remove();
  } catch (e) {
    toast("Download: " + e.message, true);
  }
}
