"""The boto3 client scenario of the integration tests (boto3_test.go).

Run by Debian's /usr/bin/python3 with python3-boto3. argv[1] is a JSON
object: endpoint, access_key, secret_key, region, bucket, small and big
(paths of files the test wrote), workdir, ca_bundle (or null), checksums
(a list of algorithms for put_object's ChecksumAlgorithm). It prints one
JSON object of what it saw; the Go test checks it. On an error it prints
{"error": ..., "step": ...} and exits 1.
"""

import hashlib
import json
import sys
import urllib.error
import urllib.request
import ssl

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

cfg = json.loads(sys.argv[1])
out = {"boto3": boto3.__version__, "botocore": botocore.__version__}
step = "setup"


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def head_facts(h):
    return {
        "ContentLength": h.get("ContentLength"),
        "ContentType": h.get("ContentType"),
        "ETag": h.get("ETag"),
        "Metadata": h.get("Metadata"),
        "Checksums": {k[len("Checksum"):]: v for k, v in h.items() if k.startswith("Checksum") and k != "ChecksumMode"},
    }


def plain(method, url, data=None):
    """A plain HTTP request (urllib, no SDK), returning (status, body)."""
    ctx = None
    if url.startswith("https:"):
        ctx = ssl.create_default_context(cafile=cfg["ca_bundle"])
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


try:
    s3 = boto3.client(
        "s3",
        endpoint_url=cfg["endpoint"],
        aws_access_key_id=cfg["access_key"],
        aws_secret_access_key=cfg["secret_key"],
        region_name=cfg["region"],
        verify=cfg["ca_bundle"] if cfg["ca_bundle"] else None,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1, "mode": "standard"},
        ),
    )
    bucket = cfg["bucket"]
    with open(cfg["small"], "rb") as f:
        small = f.read()

    step = "create_bucket"
    s3.create_bucket(Bucket=bucket)
    out["buckets"] = [b["Name"] for b in s3.list_buckets()["Buckets"]]

    step = "put_object"
    r = s3.put_object(Bucket=bucket, Key="small.txt", Body=small, ContentType="text/x-boto3", Metadata={"color": "blue"})
    out["put_etag"] = r["ETag"]

    step = "upload_file"
    s3.upload_file(
        cfg["big"], bucket, "dir/big.bin",
        ExtraArgs={"ContentType": "application/x-big", "Metadata": {"owner-name": "alice"}},
        Config=TransferConfig(multipart_threshold=64 << 20, multipart_chunksize=64 << 20),
    )

    step = "head_object"
    out["head"] = {k: head_facts(s3.head_object(Bucket=bucket, Key=k)) for k in ("small.txt", "dir/big.bin")}

    step = "list_objects_v2"
    l = s3.list_objects_v2(Bucket=bucket)
    out["list"] = [{"Key": o["Key"], "Size": o["Size"], "ETag": o["ETag"]} for o in l.get("Contents", [])]
    l = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    out["list_delimited"] = {
        "Keys": [o["Key"] for o in l.get("Contents", [])],
        "Prefixes": [p["Prefix"] for p in l.get("CommonPrefixes", [])],
    }

    step = "get_object"
    out["get"] = {}
    for k in ("small.txt", "dir/big.bin"):
        g = s3.get_object(Bucket=bucket, Key=k)
        body = g["Body"].read()
        out["get"][k] = {"sha256": sha256(body), "size": len(body), "ContentType": g["ContentType"], "Metadata": g["Metadata"]}
    g = s3.get_object(Bucket=bucket, Key="dir/big.bin", Range="bytes=1000-1999")
    body = g["Body"].read()
    out["get_range"] = {"size": len(body), "ContentRange": g.get("ContentRange")}

    step = "download_file"
    s3.download_file(bucket, "dir/big.bin", cfg["workdir"] + "/big.down",
                     Config=TransferConfig(multipart_threshold=64 << 20, multipart_chunksize=64 << 20))

    step = "presigned_get"
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "dir/big.bin"}, ExpiresIn=600)
    status, body = plain("GET", url)
    out["presigned_get"] = {"url": url, "status": status, "sha256": sha256(body), "size": len(body),
                            "body": body[:300].decode("utf-8", "replace") if status != 200 else ""}

    step = "presigned_put"
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "presigned/put.txt"}, ExpiresIn=600)
    status, body = plain("PUT", url, small)
    out["presigned_put"] = {"url": url, "status": status, "body": body[:300].decode("utf-8", "replace")}
    if status == 200:
        g = s3.get_object(Bucket=bucket, Key="presigned/put.txt")
        out["presigned_put"]["readback_sha256"] = sha256(g["Body"].read())

    step = "checksums"
    out["checksums"] = {}
    for algo in cfg["checksums"]:
        key = "sums/" + algo
        p = s3.put_object(Bucket=bucket, Key=key, Body=small, ChecksumAlgorithm=algo)
        h = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        g = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        body = g["Body"].read()  # botocore validates the returned checksum while reading
        out["checksums"][algo] = {
            "put": p.get("Checksum" + algo), "head": h.get("Checksum" + algo), "get": g.get("Checksum" + algo),
            "sha256": sha256(body),
        }

    step = "delete_objects"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    s3.delete_object(Bucket=bucket, Key="small.txt")
    rest = [{"Key": k} for k in keys if k != "small.txt"]
    d = s3.delete_objects(Bucket=bucket, Delete={"Objects": rest})
    out["deleted"] = sorted(o["Key"] for o in d.get("Deleted", []))
    out["delete_errors"] = d.get("Errors", [])
    out["after_delete"] = s3.list_objects_v2(Bucket=bucket).get("KeyCount")

    step = "delete_bucket"
    s3.delete_bucket(Bucket=bucket)
    out["buckets_after"] = [b["Name"] for b in s3.list_buckets()["Buckets"]]
except ClientError as e:
    print(json.dumps({"error": str(e), "step": step, "response": {
        "Error": e.response.get("Error"),
        "HTTPStatusCode": e.response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
    }, "partial": out}, default=str))
    sys.exit(1)
except Exception as e:  # noqa: BLE001 - anything else is a failure too
    print(json.dumps({"error": "%s: %s" % (type(e).__name__, e), "step": step, "partial": out}, default=str))
    sys.exit(1)
print(json.dumps(out, default=str))
