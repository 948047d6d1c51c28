// The buckets page: list (ListBuckets), create (CreateBucket with a
// region), delete (DeleteBucket), and each bucket's settings drawer.

import {s3, children, xmlText, escapeXML, encodeKey} from "./api.js";
import {h, mount, formatDate, toast} from "./dom.js";
import {state} from "./state.js";
import {bucketDrawer} from "./bucketdrawer.js";

export async function bucketsView(view) {
  document.title = "Buckets - Amphora console";
  const list = h("div", {class: "panel", id: "bucket-list"}, h("div", {class: "empty"}, "Loading..."));
  const name = h("input", {type: "text", id: "new-bucket-name", placeholder: "new-bucket-name", spellcheck: "false", size: 28});
  const region = h("input", {type: "text", id: "new-bucket-region", value: state.session.region, size: 12, title: "Region"});
  const lock = h("input", {type: "checkbox", id: "new-bucket-lock"});
  const create = h("form", {class: "row", id: "create-bucket", onsubmit: async e => {
    e.preventDefault();
    const n = name.value.trim();
    if (!n) return;
    try {
      await createBucket(n, region.value.trim(), lock.checked);
      toast("Bucket " + n + " created");
      name.value = "";
      load();
    } catch (err) {
      toast("Create " + n + ": " + err.message, true);
    }
  }}, name, region,
  h("label", {class: "switch", title: "Object lock (WORM): versioning on, can never be turned off"}, lock, "Object lock"),
  h("button", {type: "submit"}, "Create bucket"));

  mount(view,
    h("div", {class: "page-head"}, h("h1", {}, "Buckets"), h("span", {class: "spacer"}), create),
    list);

  async function load() {
    let buckets;
    try {
      const r = await s3("GET", "", "");
      const root = r.xml.documentElement;
      buckets = children(children(root, "Buckets")[0], "Bucket").map(b => ({
        name: xmlText(b, "Name"), created: xmlText(b, "CreationDate"),
      }));
    } catch (e) {
      mount(list, h("div", {class: "empty error"}, "Listing buckets: " + e.message));
      return;
    }
    if (buckets.length === 0) {
      mount(list, h("div", {class: "empty"}, "No bucket yet: create one above."));
      return;
    }
    mount(list, h("table", {},
      h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Created"), h("th", {class: "actions"}, ""))),
      h("tbody", {}, buckets.map(b => h("tr", {dataset: {bucket: b.name}},
        h("td", {}, h("div", {class: "name-cell"}, h("span", {class: "icon bucket"}),
          h("a", {href: "#/b/" + encodeURIComponent(b.name) + "/", class: "bucket-link"}, b.name))),
        h("td", {class: "muted"}, formatDate(b.created)),
        h("td", {class: "actions"},
          h("button", {class: "secondary small", onclick: () => bucketDrawer(b.name)}, "Settings"), " ",
          h("button", {class: "danger small", onclick: () => deleteBucket(b.name, load)}, "Delete")))))));
  }
  load();
}

// createBucket creates a bucket in region (the endpoint's when empty).
export async function createBucket(name, region, objectLock) {
  const headers = {"Content-Type": "application/xml"};
  if (objectLock) headers["x-amz-bucket-object-lock-enabled"] = "true";
  const body = region
    ? "<CreateBucketConfiguration><LocationConstraint>" + escapeXML(region) + "</LocationConstraint></CreateBucketConfiguration>"
    : undefined;
  await s3("PUT", name, "", {headers, body});
}

async function deleteBucket(name, reload) {
  if (!confirm("Delete the bucket " + name + "? It must be empty.")) return;
  try {
    await s3("DELETE", name, "");
    toast("Bucket " + name + " deleted");
    reload();
  } catch (e) {
    toast("Delete " + name + ": " + (e.code === "BucketNotEmpty" ? "the bucket is not empty" : e.message), true);
  }
}

// objectURL is an object's plain (unsigned) URL on the S3 endpoint:
// what anyone may fetch once the object is public.
export function objectURL(bucket, key) {
  return state.session.s3URL + "/" + encodeURIComponent(bucket) + "/" + encodeKey(key);
}
