// Uploads, each with its own progress bar and cancel button. A file up
// to multipartAbove goes up as one PutObject; a larger one as a multipart
// upload (CreateMultipartUpload, one UploadPart per partSize slice,
// CompleteMultipartUpload), cancelled with AbortMultipartUpload. Bytes
// stream through the console into S3 (XMLHttpRequest, for its upload
// progress events): nothing is held in memory on either side.
//
// In a bucket with a default retention every object written is locked,
// and S3 then wants each PutObject and UploadPart to carry Content-MD5 or
// a checksum: there the console sends the CRC-32 of each body, read from
// the file a chunk at a time before the body is sent.

import {s3, s3Path, xhrSend, queryString, children, xmlText, escapeXML, ApiError} from "./api.js";
import {h, $, formatSize, toast} from "./dom.js";

// A file larger than multipartAbove goes up in parts of partSize (S3's
// smallest part is 5 MiB).
export const multipartAbove = 16 << 20;
export const partSize = 8 << 20;
const parallelFiles = 2;

const queue = [];
let running = 0;

// enqueueUploads uploads files ([{file, path}]) under prefix of bucket
// and calls done() after files finish (see refreshSoon).
export function enqueueUploads(bucket, prefix, files, done) {
  const panel = $("#uploads");
  panel.hidden = false;
  $("#uploads-clear").onclick = clearFinished;
  const locked = defaultRetention(bucket);
  for (const {file, path} of files) {
    const item = newItem(bucket, prefix + path.replace(/^\/+/, ""), file, done);
    item.locked = locked;
    queue.push(item);
    $("#uploads-list").append(item.row);
  }
  summary();
  pump();
}

function newItem(bucket, key, file, done) {
  const bar = h("progress", {max: 100, value: 0});
  const pct = h("span", {class: "pct"}, "waiting");
  const cancel = h("button", {class: "ghost small cancel", title: "Cancel"}, "\u2715");
  const row = h("li", {class: "upload", dataset: {key, state: "queued"}},
    h("div", {class: "upload-name"}, h("span", {class: "key"}, key), h("span", {class: "muted"}, formatSize(file.size)), cancel),
    h("div", {class: "upload-bar"}, bar, pct));
  const item = {bucket, key, file, done, row, bar, pct, state: "queued", abort: null, cancelled: false};
  cancel.onclick = () => cancelItem(item);
  return item;
}

function setState(item, s, text) {
  item.state = s;
  item.row.dataset.state = s;
  if (text !== undefined) item.pct.textContent = text;
  if (s !== "running" && s !== "queued") item.row.querySelector(".cancel").hidden = true;
  summary();
}

function progress(item, loaded) {
  const p = item.file.size ? Math.min(100, Math.floor(loaded * 100 / item.file.size)) : 100;
  item.bar.value = p;
  item.row.dataset.progress = String(p);
  item.pct.textContent = p + "%";
}

function pump() {
  while (running < parallelFiles) {
    const item = queue.find(i => i.state === "queued");
    if (!item) return;
    running++;
    setState(item, "running", "0%");
    (item.file.size > multipartAbove ? multipart(item) : single(item))
      .then(() => {
        item.bar.value = 100;
        item.row.dataset.progress = "100";
        setState(item, "done", "done");
        refreshSoon(item.done);
      })
      .catch(e => {
        if (item.cancelled) setState(item, "cancelled", "cancelled");
        else { setState(item, "failed", "failed"); item.row.title = e.message; toast(item.key + ": " + e.message, true); }
      })
      .finally(() => { running--; pump(); });
  }
}

// refreshSoon calls done once uploads have paused for a moment, not once
// per file: a dropped folder of a thousand files reloads the listing a
// few times, not a thousand.
const refreshTimers = new Map();
function refreshSoon(done) {
  clearTimeout(refreshTimers.get(done));
  refreshTimers.set(done, setTimeout(() => { refreshTimers.delete(done); done(); }, 300));
}

function contentType(file) {
  return file.type || "application/octet-stream";
}

// defaultRetention resolves to whether bucket has a default retention
// (false when it has none, or when the signed-in key may not read it: a
// write that needed a checksum then fails with S3's message).
async function defaultRetention(bucket) {
  try {
    const r = await s3("GET", bucket, "", {query: [["object-lock", null]]});
    return children(r.xml && r.xml.documentElement, "Rule").length > 0;
  } catch {
    return false;
  }
}

// checksumHeaders are the headers that give blob's CRC-32 when item goes
// to a bucket that locks what it stores, none otherwise.
async function checksumHeaders(item, blob) {
  if (!(await item.locked)) return {};
  return {"x-amz-checksum-crc32": await crc32Base64(blob)};
}

let crcTable;

// crc32Base64 is the CRC-32 (IEEE) of blob, big-endian, base64, as S3's
// x-amz-checksum-crc32 gives it. The blob is read as a stream.
async function crc32Base64(blob) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xFFFFFFFF;
  const reader = blob.stream().getReader();
  for (;;) {
    const {done, value} = await reader.read();
    if (done) break;
    for (let i = 0; i < value.length; i++) crc = crcTable[(crc ^ value[i]) & 0xFF] ^ (crc >>> 8);
  }
  crc = (crc ^ 0xFFFFFFFF) >>> 0;
  return btoa(String.fromCharCode(crc >>> 24, (crc >>> 16) & 0xFF, (crc >>> 8) & 0xFF, crc & 0xFF));
}

async function single(item) {
  const sum = await checksumHeaders(item, item.file);
  if (item.cancelled) throw new ApiError(0, "Aborted", "cancelled");
  const send = xhrSend("PUT", s3Path(item.bucket, item.key), item.file, {"Content-Type": contentType(item.file), ...sum},
    loaded => progress(item, loaded));
  item.abort = send.abort;
  await send.promise;
}

async function multipart(item) {
  const {bucket, key, file} = item;
  const created = await s3("POST", bucket, key, {query: [["uploads", null]], headers: {"Content-Type": contentType(file)}});
  const uploadId = xmlText(created.xml.documentElement, "UploadId");
  item.uploadId = uploadId;
  const parts = [];
  let sent = 0;
  for (let n = 1, off = 0; off < file.size; n++, off += partSize) {
    if (item.cancelled) { await abortUpload(item); throw new ApiError(0, "Aborted", "cancelled"); }
    const blob = file.slice(off, Math.min(off + partSize, file.size));
    const url = s3Path(bucket, key) + "?" + queryString([["partNumber", String(n)], ["uploadId", uploadId]]);
    let send;
    try {
      send = xhrSend("PUT", url, blob, await checksumHeaders(item, blob), loaded => progress(item, sent + loaded));
    } catch (e) {
      await abortUpload(item);
      throw e;
    }
    item.abort = send.abort;
    let res;
    try {
      res = await send.promise;
    } catch (e) {
      await abortUpload(item);
      throw e;
    }
    sent += blob.size;
    parts.push({n, etag: res.etag});
    progress(item, sent);
  }
  const body = "<CompleteMultipartUpload>" + parts.map(p =>
    "<Part><PartNumber>" + p.n + "</PartNumber><ETag>" + escapeXML(p.etag) + "</ETag></Part>").join("") +
    "</CompleteMultipartUpload>";
  const done = await s3("POST", bucket, key, {query: [["uploadId", uploadId]], headers: {"Content-Type": "application/xml"}, body});
  if (children(done.xml.documentElement, "Code").length) {
    throw new ApiError(200, xmlText(done.xml.documentElement, "Code"), xmlText(done.xml.documentElement, "Message"));
  }
}

async function abortUpload(item) {
  if (!item.uploadId) return;
  try {
    await s3("DELETE", item.bucket, item.key, {query: [["uploadId", item.uploadId]]});
  } catch (e) {
    if (e.code !== "NoSuchUpload") toast("Abort " + item.key + ": " + e.message, true);
  }
}

function cancelItem(item) {
  if (item.state === "queued") {
    item.cancelled = true;
    setState(item, "cancelled", "cancelled");
    return;
  }
  if (item.state !== "running") return;
  item.cancelled = true;
  item.pct.textContent = "cancelling";
  if (item.abort) item.abort();
}

function clearFinished() {
  for (let i = queue.length - 1; i >= 0; i--) {
    if (queue[i].state !== "running" && queue[i].state !== "queued") {
      queue[i].row.remove();
      queue.splice(i, 1);
    }
  }
  summary();
  if (queue.length === 0) $("#uploads").hidden = true;
}

function summary() {
  const count = s => queue.filter(i => i.state === s).length;
  const parts = [];
  if (count("running") + count("queued")) parts.push((count("running") + count("queued")) + " in progress");
  if (count("done")) parts.push(count("done") + " done");
  if (count("failed")) parts.push(count("failed") + " failed");
  if (count("cancelled")) parts.push(count("cancelled") + " cancelled");
  $("#uploads-summary").textContent = parts.join(", ");
}

// filesFromDrop returns the files of a drop as [{file, path}], walking
// dropped folders. It reads the DataTransfer at once (it is emptied when
// the event ends) and the folders' entries afterwards.
export function filesFromDrop(dt) {
  const entries = [...(dt.items || [])].filter(i => i.kind === "file").map(i => i.webkitGetAsEntry ? i.webkitGetAsEntry() : null);
  const files = [...(dt.files || [])];
  if (entries.length === 0 || entries.some(e => !e)) {
    return Promise.resolve(files.map(f => ({file: f, path: f.name})));
  }
  return Promise.all(entries.map(e => walk(e, ""))).then(lists => lists.flat());
}

async function walk(entry, dir) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    return [{file, path: dir + entry.name}];
  }
  const reader = entry.createReader();
  const out = [];
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const e of batch) out.push(...await walk(e, dir + entry.name + "/"));
  }
  return out;
}
