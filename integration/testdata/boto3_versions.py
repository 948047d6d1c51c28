"""Versioning with boto3: versions kept, a delete marker, and
bucket.object_versions.delete() emptying a versioned bucket so that
delete_bucket succeeds. Input: a JSON object in argv[1]; output: JSON."""
import json
import sys

import boto3
from botocore.config import Config

cfg = json.loads(sys.argv[1])
out = {"step": "connect"}
try:
    s3 = boto3.resource(
        "s3", endpoint_url=cfg["endpoint"], aws_access_key_id=cfg["access_key"],
        aws_secret_access_key=cfg["secret_key"], region_name=cfg["region"],
        config=Config(s3={"addressing_style": "path"}))
    client = s3.meta.client
    bucket = s3.Bucket(cfg["bucket"])
    out["step"] = "create"
    bucket.create()
    out["step"] = "enable"
    s3.BucketVersioning(cfg["bucket"]).enable()
    out["status"] = s3.BucketVersioning(cfg["bucket"]).status
    out["step"] = "put"
    ids = []
    for i in range(3):
        r = client.put_object(Bucket=cfg["bucket"], Key="a.txt", Body=("v%d" % i).encode())
        ids.append(r["VersionId"])
    client.put_object(Bucket=cfg["bucket"], Key="dir/b.txt", Body=b"b")
    out["put_ids"] = ids
    out["step"] = "get version"
    out["first"] = client.get_object(Bucket=cfg["bucket"], Key="a.txt", VersionId=ids[0])["Body"].read().decode()
    out["step"] = "delete"
    r = client.delete_object(Bucket=cfg["bucket"], Key="a.txt")
    out["marker"] = bool(r.get("DeleteMarker"))
    out["step"] = "list versions"
    listed = client.list_object_versions(Bucket=cfg["bucket"])
    out["versions"] = len(listed.get("Versions", []))
    out["markers"] = len(listed.get("DeleteMarkers", []))
    out["step"] = "delete bucket while versions remain"
    try:
        bucket.delete()
        out["deleted_too_early"] = True
    except client.exceptions.ClientError as e:
        out["not_empty"] = e.response["Error"]["Code"]
    out["step"] = "object_versions.delete"
    bucket.object_versions.delete()
    left = client.list_object_versions(Bucket=cfg["bucket"])
    out["left"] = len(left.get("Versions", [])) + len(left.get("DeleteMarkers", []))
    out["step"] = "delete bucket"
    bucket.delete()
    out["step"] = "done"
except Exception as e:  # report, the Go test decides
    out["error"] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(out))
