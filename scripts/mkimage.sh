#!/usr/bin/env bash
# Packs a directory as a one-layer OCI image archive (oci-layout, index.json,
# manifest, config, an uncompressed layer tar) for `ctr images import`, so
# the engine tests need no registry and no image tool.
# Usage: scripts/mkimage.sh ROOTFS_DIR OUT.tar NAME:TAG [ENTRYPOINT...]
# The image is linux on this machine's architecture; NAME:TAG goes into the
# index's io.containerd.image.name (and the tag into ref.name).
set -euo pipefail
src=${1:?usage: mkimage.sh ROOTFS_DIR OUT.tar NAME:TAG [ENTRYPOINT...]}
out=${2:?usage: mkimage.sh ROOTFS_DIR OUT.tar NAME:TAG [ENTRYPOINT...]}
name=${3:?usage: mkimage.sh ROOTFS_DIR OUT.tar NAME:TAG [ENTRYPOINT...]}
shift 3
entrypoint=$(printf '%s\n' "$@" | jq -R . | jq -cs 'map(select(. != ""))')
case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/mkimage-XXXXXX")
trap 'rm -rf "$work"' EXIT
blobs=$work/blobs/sha256
mkdir -p "$blobs"
# Writes stdin as a blob; prints "DIGEST SIZE".
put_blob() {
  cat > "$work/blob"
  local sum
  sum=$(sha256sum "$work/blob" | cut -d' ' -f1)
  mv "$work/blob" "$blobs/$sum"
  echo "sha256:$sum $(stat -c %s "$blobs/$sum")"
}
read -r layer layer_size < <(tar -C "$src" --sort=name --numeric-owner --mtime=@0 -cf - . | put_blob)
read -r config config_size < <(jq -cn --arg arch "$arch" --arg layer "$layer" --argjson ep "$entrypoint" \
  '{architecture: $arch, os: "linux", config: ({Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}
     + (if $ep == [] then {} else {Entrypoint: $ep} end)),
    rootfs: {type: "layers", diff_ids: [$layer]}}' | put_blob)
read -r manifest manifest_size < <(jq -cn --arg c "$config" --argjson cs "$config_size" \
  --arg l "$layer" --argjson ls "$layer_size" \
  '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
    layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' | put_blob)
jq -cn --arg m "$manifest" --argjson ms "$manifest_size" --arg name "$name" \
  '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: $m, size: $ms, annotations: {"io.containerd.image.name": $name,
    "org.opencontainers.image.ref.name": ($name | sub(".*:"; ""))}}]}' > "$work/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$work/oci-layout"
tar -C "$work" -cf "$out" oci-layout index.json blobs
