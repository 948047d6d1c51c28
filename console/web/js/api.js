// The console's calls. Everything about buckets and objects is an S3
// request sent to /api/s3/BUCKET/KEY?QUERY: the console signs it with the
// session's key and S3 decides it. Every call carries the session's CSRF
// token (X-Amphora-CSRF).

let csrf = "";
let onSignedOut = () => {};

export function setCSRF(token) { csrf = token || ""; }
export function setSignedOutHandler(f) { onSignedOut = f; }

// ApiError is a refusal: S3's (code, message from its XML error) or the
// console's own (JSON).
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || ("HTTP " + status));
    this.status = status;
    this.code = code || "";
  }
}

// api calls the console's own JSON API.
export async function api(method, path, body) {
  const headers = {"X-Amphora-CSRF": csrf};
  const init = {method, headers, cache: "no-store", credentials: "same-origin"};
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!r.ok) {
    if (r.status === 401 && path !== "/api/login" && path !== "/api/session") onSignedOut();
    throw new ApiError(r.status, "", (data && data.error) || r.statusText);
  }
  return data;
}

// encodeKey escapes a key for a path, keeping its slashes.
export function encodeKey(key) {
  return key.split("/").map(encodeURIComponent).join("/");
}

// s3Path is the pass-through path of a bucket or an object.
export function s3Path(bucket, key) {
  let p = "/api/s3/";
  if (bucket) p += encodeURIComponent(bucket);
  if (key) p += "/" + encodeKey(key);
  return p;
}

// queryString builds a query from [name, value] pairs; a null value is a
// bare sub-resource ("acl").
export function queryString(pairs) {
  return pairs.filter(([, v]) => v !== undefined)
    .map(([k, v]) => v === null ? encodeURIComponent(k) : encodeURIComponent(k) + "=" + encodeURIComponent(v))
    .join("&");
}

// s3 sends one S3 request through the console and returns
// {status, headers, text, xml}; an S3 error throws ApiError.
export async function s3(method, bucket, key, {query = [], headers = {}, body} = {}) {
  let url = s3Path(bucket, key);
  const qs = queryString(query);
  if (qs) url += "?" + qs;
  const init = {method, headers: {...headers, "X-Amphora-CSRF": csrf}, cache: "no-store", credentials: "same-origin"};
  if (body !== undefined) init.body = body;
  const r = await fetch(url, init);
  const text = method === "HEAD" ? "" : await r.text();
  const xml = text.trimStart().startsWith("<") ? new DOMParser().parseFromString(text, "application/xml") : null;
  if (!r.ok) {
    if (r.status === 401) onSignedOut();
    let code = "", message = "";
    if (xml) { code = xmlText(xml.documentElement, "Code"); message = xmlText(xml.documentElement, "Message"); }
    else if (text.startsWith("{")) { try { message = JSON.parse(text).error; } catch { /* not JSON */ } }
    throw new ApiError(r.status, code, message || (code ? code : r.status + " " + r.statusText));
  }
  return {status: r.status, headers: r.headers, text, xml};
}

// children returns el's child elements named name (namespace aside).
export function children(el, name) {
  return el ? [...el.children].filter(c => c.localName === name) : [];
}

// xmlText is the text of el's first child element named name ("" if none).
export function xmlText(el, name) {
  const c = children(el, name)[0];
  return c ? c.textContent : "";
}

// escapeXML escapes text for an XML document.
export function escapeXML(s) {
  return String(s).replace(/[<>&'"]/g, c => ({"<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;"}[c]));
}

// xhrSend sends a body with XMLHttpRequest, for upload progress:
// returns {promise, abort}. The promise resolves with {status, etag,
// text} on a 2xx answer and rejects otherwise (an aborted request with
// ApiError code "Aborted").
export function xhrSend(method, url, body, headers, onProgress) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open(method, url);
    for (const [k, v] of Object.entries(headers || {})) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader("X-Amphora-CSRF", csrf);
    xhr.upload.onprogress = e => { if (e.lengthComputable && onProgress) onProgress(e.loaded, e.total); };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve({status: xhr.status, etag: xhr.getResponseHeader("ETag") || "", text: xhr.responseText});
        return;
      }
      if (xhr.status === 401) onSignedOut();
      let code = "", message = "";
      const doc = xhr.responseText.startsWith("<") ? new DOMParser().parseFromString(xhr.responseText, "application/xml") : null;
      if (doc) { code = xmlText(doc.documentElement, "Code"); message = xmlText(doc.documentElement, "Message"); }
      reject(new ApiError(xhr.status, code, message || ("HTTP " + xhr.status)));
    };
    xhr.onerror = () => reject(new ApiError(0, "NetworkError", "the connection failed"));
    xhr.onabort = () => reject(new ApiError(0, "Aborted", "cancelled"));
    xhr.send(body);
  });
  return {promise, abort: () => xhr.abort()};
}

// presign asks for a pre-signed GET URL of the S3 endpoint.
export function presign(bucket, key, {versionId, expires, download} = {}) {
  return api("POST", "/api/presign", {bucket, key, versionId, expires, download});
}
