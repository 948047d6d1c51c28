"""SSE-S3 and SSE-KMS with boto3: put with ServerSideEncryption AES256 and
aws:kms (with SSEKMSKeyId), get, head, a multipart upload_file under
SSE-S3, copy into SSE-KMS, bucket default encryption
(put/get/delete_bucket_encryption) applying to a plain put, and the
errors of an unknown KMS key and of SSE-C headers on a managed object.
Input: one JSON argument; output: one JSON object on stdout."""
import hashlib
import json
import os
import sys

import boto3
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
    out["step"] = "create_bucket"
    s3.create_bucket(Bucket=b)

    data = os.urandom(300_000)
    out["step"] = "put_sse_s3"
    put = s3.put_object(Bucket=b, Key="s3", Body=data, ServerSideEncryption="AES256")
    out["put_s3_sse"] = put.get("ServerSideEncryption")
    out["put_s3_etag_is_md5"] = put["ETag"].strip('"') == hashlib.md5(data).hexdigest()
    out["step"] = "put_sse_kms"
    put = s3.put_object(Bucket=b, Key="kms", Body=data, ServerSideEncryption="aws:kms", SSEKMSKeyId=cfg["kms_key"])
    out["put_kms_sse"] = put.get("ServerSideEncryption")
    out["put_kms_key"] = put.get("SSEKMSKeyId")
    out["step"] = "get"
    got = s3.get_object(Bucket=b, Key="s3")
    out["get_s3_ok"] = got["Body"].read() == data and got.get("ServerSideEncryption") == "AES256"
    got = s3.get_object(Bucket=b, Key="kms", Range="bytes=1000-199999")
    out["get_kms_range_ok"] = got["Body"].read() == data[1000:200000] and got.get("SSEKMSKeyId") == cfg["kms_key"]
    out["head_kms_sse"] = s3.head_object(Bucket=b, Key="kms").get("ServerSideEncryption")

    out["step"] = "upload_file"
    big = os.path.join(cfg["workdir"], "big.bin")
    bigdata = os.urandom(12 << 20)
    with open(big, "wb") as f:
        f.write(bigdata)
    s3.upload_file(big, b, "big", ExtraArgs={"ServerSideEncryption": "AES256"},
                   Config=TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20))
    got = s3.get_object(Bucket=b, Key="big")
    out["multipart_ok"] = got["Body"].read() == bigdata and got.get("ServerSideEncryption") == "AES256"

    out["step"] = "copy"
    cp = s3.copy_object(Bucket=b, Key="copy", CopySource={"Bucket": b, "Key": "s3"},
                        ServerSideEncryption="aws:kms", SSEKMSKeyId=cfg["kms_key"])
    out["copy_sse"] = cp.get("ServerSideEncryption")
    out["copy_ok"] = s3.get_object(Bucket=b, Key="copy")["Body"].read() == data

    out["step"] = "bucket_encryption"
    out["get_enc_none"] = err_of(lambda: s3.get_bucket_encryption(Bucket=b))
    s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": cfg["kms_key"]}}]})
    rules = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"]
    out["get_enc"] = rules[0]["ApplyServerSideEncryptionByDefault"]
    put = s3.put_object(Bucket=b, Key="defaulted", Body=b"under the default")
    out["default_sse"] = put.get("ServerSideEncryption")
    s3.delete_bucket_encryption(Bucket=b)
    out["get_enc_deleted"] = err_of(lambda: s3.get_bucket_encryption(Bucket=b))

    out["step"] = "errors"
    out["unknown_kms_key"] = err_of(lambda: s3.put_object(Bucket=b, Key="x", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId="no-such-key"))
    out["ssec_on_managed"] = err_of(lambda: s3.get_object(Bucket=b, Key="s3", SSECustomerAlgorithm="AES256", SSECustomerKey=os.urandom(32)))
    out["step"] = "done"
except Exception as e:  # noqa: BLE001 - reported to the test
    out["error"] = repr(e)
print(json.dumps(out))
