// A bucket's drawer: its region, versioning switch, ACL, policy (JSON),
// CORS rules (XML), lifecycle rules (XML) and object lock configuration.
// Each is read and written with the S3 calls any client would make, so
// what the key may not do shows as S3's refusal in its section.

import {s3, xmlText, children} from "./api.js";
import {h, mount, toast, switchInput} from "./dom.js";
import {openDrawer, section, props} from "./drawer.js";
import {readACL, writeACL, isPublicRead, withPublicRead, grantList} from "./acl.js";
import {state} from "./state.js";

export function bucketDrawer(bucket) {
  const {body, current} = openDrawer(bucket, "bucket");
  const guard = f => async el => { const v = await f(el); if (!current()) throw new Error("closed"); return v; };

  section(body, "Bucket", "bucket-overview", guard(async el => {
    const r = await s3("GET", bucket, "", {query: [["location", null]]});
    mount(el, props([["Name", bucket], ["Region", r.xml.documentElement.textContent || state.session.region]]));
  }));
  section(body, "Versioning", "bucket-versioning", guard(el => versioningSection(el, bucket)));
  section(body, "Access", "bucket-acl", guard(el => aclSection(el, bucket)));
  section(body, "Policy", "bucket-policy", guard(el => documentSection(el, bucket, {
    sub: "policy", missing: "NoSuchBucketPolicy", type: "application/json", placeholder: '{"Version": "2012-10-17", "Statement": [...]}',
  })));
  section(body, "CORS", "bucket-cors", guard(el => documentSection(el, bucket, {
    sub: "cors", missing: "NoSuchCORSConfiguration", type: "application/xml", placeholder: "<CORSConfiguration><CORSRule>...</CORSRule></CORSConfiguration>",
  })));
  section(body, "Lifecycle", "bucket-lifecycle", guard(el => documentSection(el, bucket, {
    sub: "lifecycle", missing: "NoSuchLifecycleConfiguration", type: "application/xml", placeholder: "<LifecycleConfiguration><Rule>...</Rule></LifecycleConfiguration>",
  })));
  section(body, "Object lock", "bucket-object-lock", guard(el => objectLockSection(el, bucket)));
}

async function versioningSection(el, bucket) {
  const r = await s3("GET", bucket, "", {query: [["versioning", null]]});
  const status = xmlText(r.xml.documentElement, "Status");
  const note = h("div", {class: "muted mt"}, status ? "Status: " + status : "Never enabled");
  mount(el, switchInput("Keep every version of every object", status === "Enabled", async e => {
    const want = e.target.checked ? "Enabled" : "Suspended";
    try {
      await s3("PUT", bucket, "", {query: [["versioning", null]], headers: {"Content-Type": "application/xml"},
        body: "<VersioningConfiguration><Status>" + want + "</Status></VersioningConfiguration>"});
      note.textContent = "Status: " + want;
      toast("Versioning " + want.toLowerCase());
    } catch (err) {
      e.target.checked = !e.target.checked;
      toast("Versioning: " + err.message, true);
    }
  }, {id: "versioning-switch"}), note);
}

async function aclSection(el, bucket) {
  let acl = await readACL(bucket, "");
  const grants = h("div");
  const sw = switchInput("Public listing: anyone may list the bucket's keys", isPublicRead(acl), async e => {
    const on = e.target.checked;
    try {
      await writeACL(bucket, "", withPublicRead(acl, on));
      acl = await readACL(bucket, "");
      mount(grants, grantList(acl));
      toast(on ? "Anyone may list the bucket" : "The bucket's listing is private");
    } catch (err) {
      e.target.checked = !on;
      toast("Bucket ACL: " + err.message, true);
    }
  }, {id: "bucket-public-switch"});
  mount(grants, grantList(acl));
  mount(el, sw, h("div", {class: "muted mt"}, "Grants"), grants,
    h("p", {class: "muted"}, "Objects keep their own ACLs: a listable bucket does not make its objects readable."));
}

// documentSection edits a bucket sub-resource kept as one document
// (policy, CORS, lifecycle): Save puts it, Remove deletes it.
async function documentSection(el, bucket, {sub, missing, type, placeholder}) {
  let text = "";
  try {
    const r = await s3("GET", bucket, "", {query: [[sub, null]]});
    text = r.text;
    if (type === "application/json") {
      try { text = JSON.stringify(JSON.parse(text), null, 2); } catch { /* shown as it is */ }
    }
  } catch (e) {
    if (e.code !== missing) throw e;
  }
  const box = h("textarea", {rows: 8, id: "bucket-" + sub + "-text", placeholder, spellcheck: "false"}, text);
  const state = h("span", {class: "muted"}, text ? "" : "None set");
  mount(el, box, h("div", {class: "row mt"},
    h("button", {class: "secondary", onclick: async () => {
      try {
        await s3("PUT", bucket, "", {query: [[sub, null]], headers: {"Content-Type": type}, body: box.value});
        state.textContent = "Saved";
        toast(sub + " saved");
      } catch (e) { toast(sub + ": " + e.message, true); }
    }}, "Save"),
    h("button", {class: "danger", onclick: async () => {
      if (!confirm("Remove the bucket's " + sub + "?")) return;
      try {
        await s3("DELETE", bucket, "", {query: [[sub, null]]});
        box.value = "";
        state.textContent = "None set";
        toast(sub + " removed");
      } catch (e) { toast(sub + ": " + e.message, true); }
    }}, "Remove"), state));
}

async function objectLockSection(el, bucket) {
  let r;
  try {
    r = await s3("GET", bucket, "", {query: [["object-lock", null]]});
  } catch (e) {
    if (e.code === "ObjectLockConfigurationNotFoundError") {
      mount(el, h("span", {class: "muted"}, "Object lock is off (it can only be turned on when the bucket is created)."));
      return;
    }
    throw e;
  }
  const root = r.xml.documentElement;
  const dr = children(children(root, "Rule")[0], "DefaultRetention")[0];
  const period = dr && (xmlText(dr, "Days") ? xmlText(dr, "Days") + " day(s)" : xmlText(dr, "Years") + " year(s)");
  mount(el, props([["Object lock", xmlText(root, "ObjectLockEnabled") || "Enabled"],
    ["Default retention", dr ? xmlText(dr, "Mode") + " for " + period : "none"]]));
}
