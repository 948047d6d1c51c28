// ACLs: read (GetBucketAcl / GetObjectAcl), shown as a list of grants,
// and changed by putting the whole policy back with one grant more or
// less, so the public switch keeps every other grant.

import {s3, children, xmlText, escapeXML} from "./api.js";
import {h} from "./dom.js";

export const allUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
const authUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
const xsiNS = "http://www.w3.org/2001/XMLSchema-instance";

// readACL returns {owner: {id, name}, grants: [{type, id, name, uri, email, permission}]}.
export async function readACL(bucket, key) {
  const r = await s3("GET", bucket, key, {query: [["acl", null]]});
  const root = r.xml.documentElement;
  const owner = children(root, "Owner")[0];
  const grants = children(children(root, "AccessControlList")[0], "Grant").map(g => {
    const ge = children(g, "Grantee")[0];
    return {
      type: ge.getAttributeNS(xsiNS, "type") || ge.getAttribute("xsi:type") || "",
      id: xmlText(ge, "ID"), name: xmlText(ge, "DisplayName"), uri: xmlText(ge, "URI"),
      email: xmlText(ge, "EmailAddress"), permission: xmlText(g, "Permission"),
    };
  });
  return {owner: {id: xmlText(owner, "ID"), name: xmlText(owner, "DisplayName")}, grants};
}

// isPublicRead: AllUsers may read.
export function isPublicRead(acl) {
  return acl.grants.some(g => g.uri === allUsers && (g.permission === "READ" || g.permission === "FULL_CONTROL"));
}

// withPublicRead returns acl with the AllUsers READ grant added or removed.
export function withPublicRead(acl, on) {
  const grants = acl.grants.filter(g => !(g.uri === allUsers && g.permission === "READ"));
  if (on) grants.push({type: "Group", uri: allUsers, permission: "READ"});
  return {...acl, grants};
}

// writeACL puts acl back (PutBucketAcl / PutObjectAcl).
export async function writeACL(bucket, key, acl) {
  const grant = g => {
    let who;
    if (g.uri) who = "<URI>" + escapeXML(g.uri) + "</URI>";
    else if (g.email) who = "<EmailAddress>" + escapeXML(g.email) + "</EmailAddress>";
    else who = "<ID>" + escapeXML(g.id) + "</ID>";
    const type = g.uri ? "Group" : g.email ? "AmazonCustomerByEmail" : "CanonicalUser";
    return "<Grant><Grantee xmlns:xsi=\"" + xsiNS + "\" xsi:type=\"" + type + "\">" + who + "</Grantee>" +
      "<Permission>" + escapeXML(g.permission) + "</Permission></Grant>";
  };
  const body = "<AccessControlPolicy xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>" + escapeXML(acl.owner.id) +
    "</ID></Owner><AccessControlList>" + acl.grants.map(grant).join("") + "</AccessControlList></AccessControlPolicy>";
  await s3("PUT", bucket, key, {query: [["acl", null]], headers: {"Content-Type": "application/xml"}, body});
}

// grantList renders the grants for people.
export function grantList(acl) {
  const who = g => g.uri === allUsers ? "Everyone (public)" : g.uri === authUsers ? "Any signed request" :
    g.uri || g.email || (g.id === acl.owner.id ? "Owner" + (g.name ? " (" + g.name + ")" : "") : (g.name || g.id));
  return h("ul", {class: "grants"}, acl.grants.length ? acl.grants.map(g =>
    h("li", {}, h("strong", {}, g.permission), " \u2014 ", who(g))) : h("li", {class: "muted"}, "No grant"));
}
