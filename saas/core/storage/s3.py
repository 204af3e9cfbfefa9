"""Production storage: any S3-compatible bucket (AWS S3, MinIO, R2, ...) through boto3.

Files are written with their media type and year-long immutable cache headers; readers
fetch them from S3_PUBLIC_URL (a CDN or the bucket's public address), which defaults to the
bucket's path-style address at S3_ENDPOINT_URL, or AWS's virtual-host address. The bucket
must let readers GET objects (a public-read policy, or a CDN in front of it); Tend never
lists or deletes anything outside the keys it wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from saas.core.storage.base import CACHE_CONTROL, StorageError, checked_key

# DeleteObjects takes at most this many keys per request.
DELETE_BATCH = 1000


class S3Storage:
    """One bucket; keys are object names."""

    def __init__(
        self,
        bucket: str,
        *,
        public_url: str,
        endpoint_url: str = "",
        region: str = "us-east-1",
        access_key_id: str = "",
        secret_access_key: str = "",
    ) -> None:
        if not bucket:
            raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        self.bucket = bucket
        self.public_url = public_url.rstrip("/")
        self._options: dict[str, Any] = {"region_name": region}
        if endpoint_url:
            self._options["endpoint_url"] = endpoint_url
        if access_key_id:
            self._options["aws_access_key_id"] = access_key_id
            self._options["aws_secret_access_key"] = secret_access_key
        self._client = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> S3Storage:
        """The bucket the S3_* settings describe."""
        bucket, endpoint, region = (
            config["S3_BUCKET"],
            config["S3_ENDPOINT_URL"],
            config["S3_REGION"],
        )
        public = config["S3_PUBLIC_URL"] or (
            f"{endpoint}/{bucket}" if endpoint else f"https://{bucket}.s3.{region}.amazonaws.com"
        )
        return cls(
            bucket,
            public_url=public,
            endpoint_url=endpoint,
            region=region,
            access_key_id=config["S3_ACCESS_KEY_ID"],
            secret_access_key=config["S3_SECRET_ACCESS_KEY"],
        )

    @property
    def client(self):
        """The boto3 client, made on first use (it takes a moment to build)."""
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.client(
                "s3",
                config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3}),
                **self._options,
            )
        return self._client

    def _call(self, what: str, method: str, **params):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(Bucket=self.bucket, **params)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"NoSuchKey", "404"}:
                raise FileNotFoundError(what) from exc
            raise StorageError(f"S3 {method} failed for {what}: {code}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 {method} failed for {what}: {type(exc).__name__}") from exc

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Upload the object with its media type and cache headers."""
        self._call(
            key,
            "put_object",
            Key=checked_key(key),
            Body=data,
            ContentType=content_type,
            CacheControl=CACHE_CONTROL,
        )

    def get(self, key: str) -> bytes:
        """The object's bytes; FileNotFoundError when there is none."""
        return self._call(key, "get_object", Key=checked_key(key))["Body"].read()

    def delete(self, keys: Iterable[str]) -> None:
        """Delete the objects, a thousand per request."""
        keys = [checked_key(key) for key in keys]
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start : start + DELETE_BATCH]
            answer = self._call(
                f"{len(batch)} keys",
                "delete_objects",
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
            )
            if answer.get("Errors"):
                raise StorageError(f"S3 refused to delete {len(answer['Errors'])} objects")

    def keys(self, prefix: str) -> list[str]:
        """Every object name starting with `prefix`."""
        found: list[str] = []
        token = None
        while True:
            params: dict[str, Any] = {"Prefix": prefix}
            if token:
                params["ContinuationToken"] = token
            page = self._call(prefix or "bucket", "list_objects_v2", **params)
            found += [item["Key"] for item in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return sorted(found)
            token = page["NextContinuationToken"]

    def url(self, key: str) -> str:
        """S3_PUBLIC_URL/<key>."""
        return f"{self.public_url}/{checked_key(key)}"

    def key_for(self, url: str) -> str | None:
        """The key of an address under S3_PUBLIC_URL."""
        prefix = f"{self.public_url}/"
        if not (url or "").startswith(prefix):
            return None
        try:
            return checked_key(url[len(prefix) :].split("?", 1)[0].split("#", 1)[0])
        except ValueError:
            return None
