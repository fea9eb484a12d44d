#!/usr/bin/env bash
# Prints the path of a pinned Go-built tool, building it once with `go install` and caching it by version.
# Usage: hack/go-tool.sh NAME     (NAME is a row of hack/tools.versions)
set -euo pipefail
name="${1:?usage: hack/go-tool.sh NAME}"
here="$(cd "$(dirname "$0")" && pwd)"
spec="$(awk -v n="$name" '$1==n {print $2}' "$here/tools.versions")"
[[ -n "$spec" ]] || { echo "go-tool: no tool '$name' in hack/tools.versions" >&2; exit 2; }
version="${spec##*@}"
cache="${PINHOLE_CACHE:-$HOME/.cache/pinhole}/bin"
bin="$cache/$name-$version"
if [[ ! -x "$bin" ]]; then
  command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "go-tool: building $spec (cached afterwards in $cache)" >&2
  GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS=-mod=mod go install "$spec" >&2
  mkdir -p "$cache"
  pkg="${spec%@*}"
  exe="$(basename "$pkg")"
  # `go install` names a binary after the last path element that is not a major-version suffix (.../kustomize/v5).
  [[ "$exe" =~ ^v[0-9]+$ ]] && exe="$(basename "$(dirname "$pkg")")"
  mv "$tmp/$exe" "$bin"
fi
echo "$bin"
