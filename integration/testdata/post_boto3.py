"""Browser-style uploads (POST object) the way Python applications make
them: boto3's generate_presigned_post signs the form (SigV4, and SigV2
with botocore's HmacV1 POST presigner), the requests library posts it.
Input: a JSON object in argv[1]; output: JSON. Every answer is reported,
the Go test decides."""
import json
import sys

import boto3
import botocore
import requests
from botocore.config import Config

cfg = json.loads(sys.argv[1])
out = {"step": "connect", "posts": {}}


def client(sigver):
    return boto3.client(
        "s3", endpoint_url=cfg["endpoint"], aws_access_key_id=cfg["access_key"],
        aws_secret_access_key=cfg["secret_key"], region_name=cfg["region"],
        config=Config(signature_version=sigver, s3={"addressing_style": "path"}))


def post(name, presigned, path, filename=None, extra=None):
    """Posts a file with the presigned form; extra fields may tamper."""
    fields = dict(presigned["fields"])
    fields.update(extra or {})
    with open(path, "rb") as f:
        r = requests.post(presigned["url"], data=fields,
                          files={"file": (filename or "upload.bin", f)},
                          allow_redirects=False, timeout=120)
    out["posts"][name] = {"status": r.status_code, "body": r.text,
                          "etag": r.headers.get("ETag", ""),
                          "location": r.headers.get("Location", ""),
                          "url": presigned["url"]}


try:
    v4 = client("s3v4")
    v2 = client("s3")
    bucket = cfg["bucket"]
    out["boto3"], out["botocore"] = boto3.__version__, botocore.__version__
    out["step"] = "create_bucket"
    v4.create_bucket(Bucket=bucket)

    out["step"] = "v4 small"
    p = v4.generate_presigned_post(
        bucket, "v4/${filename}",
        Fields={"Content-Type": "image/png", "x-amz-meta-owner": "alice", "success_action_status": "201"},
        Conditions=[{"Content-Type": "image/png"}, {"x-amz-meta-owner": "alice"},
                    {"success_action_status": "201"}, ["content-length-range", 1, 10 << 20]],
        ExpiresIn=600)
    post("v4_small", p, cfg["small"], filename="photo.png")

    out["step"] = "v4 big"
    p = v4.generate_presigned_post(bucket, "v4/big.bin", ExpiresIn=600)
    post("v4_big", p, cfg["big"])

    out["step"] = "v2"
    p = v2.generate_presigned_post(
        bucket, "v2/doc.txt", Fields={"Content-Type": "text/plain"},
        Conditions=[{"Content-Type": "text/plain"}], ExpiresIn=600)
    out["v2_fields"] = sorted(p["fields"])
    post("v2", p, cfg["small"])

    out["step"] = "violations"
    p = v4.generate_presigned_post(bucket, "bad/limited.bin", Conditions=[["content-length-range", 1, 10]], ExpiresIn=600)
    post("too_large", p, cfg["small"])
    p = v4.generate_presigned_post(bucket, "bad/expired.bin", ExpiresIn=-60)
    post("expired", p, cfg["small"])
    p = v4.generate_presigned_post(bucket, "bad/signed-for.bin", ExpiresIn=600)
    post("other_key", p, cfg["small"], extra={"key": "bad/not-signed-for.bin"})
    p = v4.generate_presigned_post(bucket, "bad/extra.bin", ExpiresIn=600)
    post("extra_field", p, cfg["small"], extra={"x-amz-meta-unsigned": "1"})
    p = v2.generate_presigned_post(bucket, "bad/v2.bin", ExpiresIn=600)
    p["fields"]["signature"] = "AAAA" + p["fields"]["signature"][4:]
    post("v2_bad_signature", p, cfg["small"])

    out["step"] = "read back"
    out["heads"] = {}
    for key in ["v4/photo.png", "v4/big.bin", "v2/doc.txt"]:
        h = v4.head_object(Bucket=bucket, Key=key)
        out["heads"][key] = {"size": h["ContentLength"], "etag": h["ETag"],
                             "content_type": h["ContentType"], "metadata": h.get("Metadata", {})}
    out["listed"] = [o["Key"] for o in v4.list_objects_v2(Bucket=bucket).get("Contents", [])]
    out["step"] = "done"
except Exception as e:  # report, the Go test decides
    out["error"] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(out))
