#!/usr/bin/env python3
"""Pack a root filesystem as an OCI image archive, for `ctr images import`.

Usage: mkoci.py ROOTFS OUT.tar NAME   (NAME like localhost/busybox:1)

The archive holds oci-layout, index.json (the manifest named NAME), the
manifest, the image config and one gzip layer, each blob under
blobs/sha256/ by its digest: what a registry would serve, without one.
"""
import gzip, hashlib, io, json, sys, tarfile

rootfs, out, name = sys.argv[1:4]
blobs = {}

def add(data, media):
    d = hashlib.sha256(data).hexdigest()
    blobs[d] = data
    return {"mediaType": media, "digest": "sha256:" + d, "size": len(data)}

raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
    t.add(rootfs, arcname=".")
raw = raw.getvalue()
layer = add(gzip.compress(raw, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip")
config = add(json.dumps({
    "architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(raw).hexdigest()]},
}).encode(), "application/vnd.oci.image.config.v1+json")
manifest = add(json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": config, "layers": [layer],
}).encode(), "application/vnd.oci.image.manifest.v1+json")
manifest["annotations"] = {"io.containerd.image.name": name,
                           "org.opencontainers.image.ref.name": name.rsplit(":", 1)[-1]}
manifest["platform"] = {"architecture": "amd64", "os": "linux"}
index = {"schemaVersion": 2, "manifests": [manifest]}

with tarfile.open(out, "w") as t:
    def put(path, data):
        i = tarfile.TarInfo(path)
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
    put("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
    put("index.json", json.dumps(index).encode())
    for d, data in blobs.items():
        put("blobs/sha256/" + d, data)
