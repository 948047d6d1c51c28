"""SSE-C with boto3: put, get, head, ranged get, multipart upload_file,
copy under a new key, and the errors of a missing or wrong key.
Input: one JSON argument; output: one JSON object on stdout."""
import hashlib
import json
import os
import sys

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

cfg = json.loads(sys.argv[1])
out = {"step": "start"}


def err_of(fn):
    try:
        fn()
    except ClientError as e:
        return {"status": e.response["ResponseMetadata"]["HTTPStatusCode"], "code": e.response["Error"].get("Code", "")}
    return None


try:
    s3 = boto3.client("s3", endpoint_url=cfg["endpoint"], aws_access_key_id=cfg["access_key"],
                      aws_secret_access_key=cfg["secret_key"], region_name=cfg["region"],
                      config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
    b = cfg["bucket"]
    k1, k2 = os.urandom(32), os.urandom(32)
    sse1 = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": k1}
    sse2 = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": k2}
    out["step"] = "create_bucket"
    s3.create_bucket(Bucket=b)

    data = os.urandom(300_000)
    out["step"] = "put_object"
    put = s3.put_object(Bucket=b, Key="small", Body=data, **sse1)
    out["put_alg"] = put.get("SSECustomerAlgorithm")
    out["put_etag_is_md5"] = put["ETag"].strip('"') == hashlib.md5(data).hexdigest()
    out["step"] = "get_object"
    got = s3.get_object(Bucket=b, Key="small", **sse1)
    out["get_ok"] = got["Body"].read() == data
    out["get_key_md5"] = got.get("SSECustomerKeyMD5")
    out["step"] = "get_range"
    rng = s3.get_object(Bucket=b, Key="small", Range="bytes=1000-199999", **sse1)
    out["range_ok"] = rng["Body"].read() == data[1000:200000]
    out["step"] = "head_object"
    out["head_len"] = s3.head_object(Bucket=b, Key="small", **sse1)["ContentLength"]
    out["step"] = "errors"
    out["get_no_key"] = err_of(lambda: s3.get_object(Bucket=b, Key="small"))
    out["get_wrong_key"] = err_of(lambda: s3.get_object(Bucket=b, Key="small", **sse2))
    out["head_wrong_key"] = err_of(lambda: s3.head_object(Bucket=b, Key="small", **sse2))

    out["step"] = "upload_file"
    big = os.path.join(cfg["workdir"], "big.bin")
    bigdata = os.urandom(12 << 20)
    with open(big, "wb") as f:
        f.write(bigdata)
    tc = TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20)
    s3.upload_file(big, b, "big", ExtraArgs=dict(sse1), Config=tc)
    out["step"] = "download_file"
    back = os.path.join(cfg["workdir"], "back.bin")
    s3.download_file(b, "big", back, ExtraArgs=dict(sse1), Config=tc)
    with open(back, "rb") as f:
        out["multipart_ok"] = f.read() == bigdata

    out["step"] = "copy_object"
    s3.copy_object(Bucket=b, Key="copy", CopySource={"Bucket": b, "Key": "small"},
                   CopySourceSSECustomerAlgorithm="AES256", CopySourceSSECustomerKey=k1, **sse2)
    out["copy_ok"] = s3.get_object(Bucket=b, Key="copy", **sse2)["Body"].read() == data
    out["copy_old_key"] = err_of(lambda: s3.get_object(Bucket=b, Key="copy", **sse1))
    out["step"] = "done"
except Exception as e:  # reported, not raised: the Go side prints it
    out["error"] = repr(e)
print(json.dumps(out))
