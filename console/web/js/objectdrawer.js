// An object's drawer: what HeadObject says (size, ETag, content headers,
// metadata, editable by copying the object onto itself), its tags, its
// ACL with a public switch, its versions when the bucket keeps them, and
// a share link: a pre-signed URL with a chosen lifetime.

import {s3, children, xmlText, escapeXML, presign} from "./api.js";
import {h, mount, formatSize, formatDate, toast, switchInput, copyText} from "./dom.js";
import {openDrawer, closeDrawer, section, props} from "./drawer.js";
import {readACL, writeACL, isPublicRead, withPublicRead, grantList} from "./acl.js";
import {objectURL} from "./buckets.js";
import {download, deleteKeys} from "./objects.js";

const contentHeaders = ["Content-Type", "Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"];

export function objectDrawer(bucket, key, changed) {
  const {body, current} = openDrawer(key, "object");
  const guard = f => async el => { const v = await f(el); if (!current()) throw new Error("closed"); return v; };

  section(body, "Object", "object-overview", guard(async el => {
    const r = await s3("HEAD", bucket, key);
    const hd = r.headers;
    mount(el,
      props([["Bucket", bucket], ["Key", key], ["Size", formatSize(hd.get("Content-Length")) + " (" + hd.get("Content-Length") + " bytes)"],
        ["Last modified", formatDate(hd.get("Last-Modified"))], ["ETag", hd.get("ETag")], ["Version", hd.get("x-amz-version-id")],
        ["Storage class", hd.get("x-amz-storage-class") || "STANDARD"],
        ["Object lock", hd.get("x-amz-object-lock-mode") ? hd.get("x-amz-object-lock-mode") + " until " + hd.get("x-amz-object-lock-retain-until-date") : ""],
        ["Legal hold", hd.get("x-amz-object-lock-legal-hold")]]),
      h("div", {class: "row mt"},
        h("button", {id: "drawer-download", onclick: () => download(bucket, key)}, "Download"),
        h("button", {class: "danger", id: "drawer-delete", onclick: async () => {
          if (!confirm("Delete " + key + "?")) return;
          try {
            const failed = await deleteKeys(bucket, [key]);
            if (failed) throw new Error("S3 refused to delete it");
            toast("Deleted " + key);
            closeDrawer();
            changed();
          } catch (e) { toast("Delete: " + e.message, true); }
        }}, "Delete")));
    metadataSection(bucket, key, hd, metaEl, changed);
  }));
  const metaEl = section(body, "Metadata and content headers", "object-metadata", () => {});

  section(body, "Access", "object-acl", guard(el => aclSection(el, bucket, key)));
  section(body, "Tags", "object-tags", guard(el => tagsSection(el, bucket, key)));
  section(body, "Share link", "object-share", guard(el => shareSection(el, bucket, key)));
  section(body, "Versions", "object-versions", guard(el => versionsSection(el, bucket, key, changed)));
}

function metadataSection(bucket, key, hd, el, changed) {
  const meta = [];
  hd.forEach((v, k) => { if (k.startsWith("x-amz-meta-")) meta.push([k.slice(11), v]); });
  const fields = Object.fromEntries(contentHeaders.map(n => [n, h("input", {type: "text", value: hd.get(n) || "", size: 40})]));
  const metaBox = h("textarea", {rows: 4, placeholder: "name=value, one per line"}, meta.map(([k, v]) => k + "=" + v).join("\n"));
  const form = h("form", {hidden: true, onsubmit: async e => {
    e.preventDefault();
    const headers = {"x-amz-copy-source": "/" + encodeURIComponent(bucket) + "/" + key.split("/").map(encodeURIComponent).join("/"),
      "x-amz-metadata-directive": "REPLACE"};
    for (const n of contentHeaders) if (fields[n].value.trim()) headers[n] = fields[n].value.trim();
    for (const line of metaBox.value.split("\n")) {
      const i = line.indexOf("=");
      if (i > 0) headers["x-amz-meta-" + line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    try {
      // A copy takes the request's ACL, not the source's: put the
      // object's own back afterwards, so a public object stays public.
      const acl = await readACL(bucket, key).catch(() => null);
      await s3("PUT", bucket, key, {headers});
      if (acl) await writeACL(bucket, key, acl).catch(e => toast("The ACL could not be put back: " + e.message, true));
      toast("Metadata saved");
      objectDrawer(bucket, key, changed);
      changed();
    } catch (err) { toast("Save metadata: " + err.message, true); }
  }}, contentHeaders.map(n => h("div", {class: "mb"}, h("label", {}, n), fields[n])),
  h("label", {}, "User metadata (x-amz-meta-*)"), metaBox,
  h("div", {class: "row mt"}, h("button", {type: "submit"}, "Save (copies the object onto itself)")));
  mount(el,
    props([...contentHeaders.map(n => [n, hd.get(n)]), ...meta.map(([k, v]) => ["x-amz-meta-" + k, v])]),
    h("div", {class: "mt"}, h("button", {class: "secondary small", onclick: () => { form.hidden = !form.hidden; }}, "Edit")),
    form);
}

async function aclSection(el, bucket, key) {
  let acl = await readACL(bucket, key);
  const url = objectURL(bucket, key);
  const link = h("div", {class: "linkbox", id: "public-url"});
  const show = () => {
    const pub = isPublicRead(acl);
    link.hidden = !pub;
    const input = h("input", {type: "text", readonly: true, value: url});
    mount(link, input, h("button", {class: "secondary small", onclick: () => copyText(url, input)}, "Copy"));
    mount(grants, grantList(acl));
  };
  const grants = h("div");
  const sw = switchInput("Public: anyone with the URL can read it", isPublicRead(acl), async e => {
    const on = e.target.checked;
    e.target.disabled = true;
    try {
      const next = withPublicRead(acl, on);
      await writeACL(bucket, key, next);
      acl = await readACL(bucket, key);
      toast(on ? "The object is public" : "The object is private");
    } catch (err) {
      e.target.checked = !on;
      toast("Change the ACL: " + err.message, true);
    } finally {
      e.target.disabled = false;
      show();
    }
  }, {id: "public-switch"});
  mount(el, sw, link, h("div", {class: "muted mt"}, "Grants"), grants,
    h("p", {class: "muted"}, "Bucket policies and Block Public Access apply on top of the ACL."));
  show();
}

async function tagsSection(el, bucket, key) {
  const r = await s3("GET", bucket, key, {query: [["tagging", null]]});
  const tags = children(children(r.xml.documentElement, "TagSet")[0], "Tag").map(t => [xmlText(t, "Key"), xmlText(t, "Value")]);
  const box = h("textarea", {rows: 4, id: "tags-box", placeholder: "key=value, one per line (up to 10)"}, tags.map(([k, v]) => k + "=" + v).join("\n"));
  mount(el, box, h("div", {class: "row mt"}, h("button", {class: "secondary", onclick: async () => {
    const lines = box.value.split("\n").map(l => l.trim()).filter(Boolean);
    const body = "<Tagging><TagSet>" + lines.map(l => {
      const i = l.indexOf("=");
      const k = i < 0 ? l : l.slice(0, i), v = i < 0 ? "" : l.slice(i + 1);
      return "<Tag><Key>" + escapeXML(k.trim()) + "</Key><Value>" + escapeXML(v.trim()) + "</Value></Tag>";
    }).join("") + "</TagSet></Tagging>";
    try {
      if (lines.length) await s3("PUT", bucket, key, {query: [["tagging", null]], headers: {"Content-Type": "application/xml"}, body});
      else await s3("DELETE", bucket, key, {query: [["tagging", null]]});
      toast("Tags saved");
    } catch (e) { toast("Save tags: " + e.message, true); }
  }}, "Save tags")));
}

const lifetimes = [["15 minutes", 900], ["1 hour", 3600], ["1 day", 86400], ["7 days", 604800]];

function shareSection(el, bucket, key) {
  const life = h("select", {id: "share-lifetime"}, lifetimes.map(([label, s]) => h("option", {value: s, selected: s === 3600}, label)));
  const out = h("div", {class: "linkbox", id: "share-link", hidden: true});
  const note = h("div", {class: "muted", id: "share-expiry"});
  mount(el, h("div", {class: "row"}, h("span", {}, "Valid for"), life,
    h("button", {class: "secondary", id: "share-create", onclick: async () => {
      try {
        const r = await presign(bucket, key, {expires: Number(life.value)});
        const input = h("input", {type: "text", readonly: true, value: r.url, id: "share-url"});
        mount(out, input, h("button", {class: "secondary small", onclick: () => copyText(r.url, input)}, "Copy"));
        out.hidden = false;
        note.textContent = "Anyone with this link can read the object until " + formatDate(r.expires) +
          ", as long as your key may read it.";
      } catch (e) { toast("Share link: " + e.message, true); }
    }}, "Create link")), out, note);
}

async function versionsSection(el, bucket, key, changed) {
  const v = await s3("GET", bucket, "", {query: [["versioning", null]]});
  const status = xmlText(v.xml.documentElement, "Status");
  if (!status) {
    mount(el, h("span", {class: "muted"}, "The bucket does not keep versions (versioning is off)."));
    return;
  }
  const r = await s3("GET", bucket, "", {query: [["versions", null], ["prefix", key], ["max-keys", "100"]]});
  const root = r.xml.documentElement;
  const rows = [...root.children].filter(c => (c.localName === "Version" || c.localName === "DeleteMarker") && xmlText(c, "Key") === key);
  if (rows.length === 0) {
    mount(el, h("span", {class: "muted"}, "No version."));
    return;
  }
  mount(el, h("table", {class: "versions"},
    h("thead", {}, h("tr", {}, h("th", {}, "Version"), h("th", {}, "Modified"), h("th", {class: "num"}, "Size"), h("th", {}, ""))),
    h("tbody", {}, rows.map(c => {
      const id = xmlText(c, "VersionId"), marker = c.localName === "DeleteMarker";
      return h("tr", {},
        h("td", {}, h("code", {}, id.length > 14 ? id.slice(0, 14) + "\u2026" : id), " ",
          xmlText(c, "IsLatest") === "true" ? h("span", {class: "badge on"}, "latest") : null,
          marker ? h("span", {class: "badge warn"}, "delete marker") : null),
        h("td", {}, formatDate(xmlText(c, "LastModified"))),
        h("td", {class: "num"}, marker ? "" : formatSize(xmlText(c, "Size"))),
        h("td", {class: "actions"},
          marker ? null : h("button", {class: "secondary small", onclick: () => download(bucket, key, id)}, "Download"), " ",
          h("button", {class: "danger small", onclick: async () => {
            if (!confirm("Delete this version for good?")) return;
            try {
              await s3("DELETE", bucket, key, {query: [["versionId", id]]});
              toast("Version deleted");
              versionsSection(el, bucket, key, changed);
              changed();
            } catch (e) { toast("Delete version: " + e.message, true); }
          }}, "Delete")));
    }))),
  r.xml && xmlText(root, "IsTruncated") === "true" ? h("p", {class: "muted"}, "The first 100 versions are shown.") : null);
}
