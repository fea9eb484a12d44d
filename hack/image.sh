#!/usr/bin/env bash
# Builds the repository's own Dockerfile without a Docker daemon and writes the image as an OCI archive, for
# `ctr -n k8s.io images import` on a node of test/cluster (test/cluster/node.sh). Prints the archive's path.
#
# - buildah (Debian's) builds the Dockerfile unchanged: `--pull=never`, `--isolation chroot`, the vfs driver, its
#   storage under the cache dir. RUN steps share the host's network, so the build stage's Maven reaches Maven Central;
#   its `--mount=type=cache` lives under the cache dir too (TMPDIR), so a warm build downloads nothing.
# - Nothing can be pulled, so the two base images are local stand-ins tagged with the names the Dockerfile uses
#   (docker.io/library/eclipse-temurin:25-jdk and :25-jre): Debian bookworm (mmdebstrap, minbase) plus the Temurin 25
#   JDK installed on this machine (the JRE stand-in gets a jlink image of it), at /opt/java/openjdk with JAVA_HOME and
#   PATH set as the real images set them. `docker build .` elsewhere still gets the real bases and the same layout.
# - Cached by version: the stand-ins by (Debian suite, packages, JDK release, this script's base recipe), the image
#   by a hash of its build context (unchanged: the archive is reused); Maven's cache mount keeps the dependencies.
#
# usage: hack/image.sh [build|path|clean]      env: PINHOLE_CACHE (default ~/.cache/pinhole), PINHOLE_IMAGE
set -euo pipefail
shopt -s inherit_errexit
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${PINHOLE_CACHE:-$HOME/.cache/pinhole}/image"
image="${PINHOLE_IMAGE:-ghcr.io/pinhole-dev/pinhole:dev}"
jdk_src="${PINHOLE_IMAGE_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}"
suite=bookworm
jdk_packages=(ca-certificates curl tzdata)   # curl: the Maven wrapper downloads Maven with it
jre_packages=(ca-certificates tzdata)
archive="$cache/${image//[:\/]/_}.oci.tar"

log() { echo "image: $*" >&2; }
bah() { TMPDIR="$cache/tmp" buildah --root "$cache/storage" --runroot "$cache/run" --storage-driver vfs "$@"; }

# recipe_key FUNCTION EXTRA...: a key over a function's text in this file and EXTRA, so that changing the suite,
# a package list, the JDK or the recipe builds that part again (and only that part).
recipe_key() {
  local f="$1"; shift
  { echo "$*"; sed -n "/^$f() {/,/^}/p" "$0"; } | sha256sum | cut -c1-16
}

# rootfs NAME LOCAL_CAS PACKAGES...: a Debian minbase tarball with PACKAGES, cached by the key. LOCAL_CAS=yes adds
# this machine's own CAs (/usr/local/share/ca-certificates, e.g. a TLS-inspecting egress proxy's) to the bundle:
# only the build stage's stand-in, whose RUN steps reach Maven Central through this machine's network.
rootfs() {
  local name="$1" local_cas="$2"; shift 2
  local cas="" hooks=()
  if [[ "$local_cas" == yes ]] && compgen -G '/usr/local/share/ca-certificates/*.crt' > /dev/null; then
    cas="$(cat /usr/local/share/ca-certificates/*.crt | sha256sum | cut -c1-16)"
    hooks=(--customize-hook='copy-in /usr/local/share/ca-certificates /usr/local/share'
      --customize-hook='chroot "$1" update-ca-certificates')
  fi
  local out="$cache/bases/$name-$suite-$(recipe_key rootfs "$suite" "$cas" "$@").tar"
  if [[ ! -s "$out" ]]; then
    log "making the $name rootfs (mmdebstrap $suite, ${*}${cas:+ plus the local CAs})"
    mkdir -p "$cache/bases"
    mmdebstrap --quiet --format=tar --variant=minbase --include="$(IFS=,; echo "$*")" \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' "${hooks[@]}" \
      --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
      "$suite" "$out.tmp" >&2
    mv "$out.tmp" "$out"
  fi
  echo "$out"
}

# java_dir KIND ROOTFS: the JDK (a copy of jdk_src) or a JRE (jlink of its modules), whose cacerts holds exactly the
# CAs of ROOTFS's bundle (/etc/ssl/certs/ca-certificates.crt), as a PKCS12 trust store (hack/PemTrustStore.java).
java_dir() {
  local kind="$1" fs="$2" out bundle
  bundle="$(mktemp)"
  tar -xOf "$fs" ./etc/ssl/certs/ca-certificates.crt > "$bundle"
  out="$cache/bases/java-$kind-$(recipe_key java_dir "$kind" "$(cat "$jdk_src/release")" "$(cat "$bundle" "$(dirname "$0")/PemTrustStore.java" | sha256sum)")"
  if [[ ! -d "$out" ]]; then
    rm -rf "$out.tmp"; mkdir -p "$out.tmp/opt/java"
    if [[ "$kind" == jdk ]]; then
      cp -a "$jdk_src" "$out.tmp/opt/java/openjdk"
    else
      # Every module of the JDK but jlink's own (the JDK ships no jmods, and a runtime linked from itself cannot
      # hold jdk.jlink, nor jdk.jpackage, which needs it; the real JRE image has neither).
      local modules
      modules="$("$jdk_src/bin/java" --list-modules | sed 's/@.*//' | grep -v -x -e jdk.jlink -e jdk.jpackage | paste -sd,)"
      "$jdk_src/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
        --compress=zip-6 --output "$out.tmp/opt/java/openjdk" >&2
    fi
    local store="$out.tmp/opt/java/openjdk/lib/security/cacerts"
    rm -f "$store"; mkdir -p "$(dirname "$store")"
    "$jdk_src/bin/java" "$(dirname "$0")/PemTrustStore.java" "$bundle" "$store" >&2
    mv "$out.tmp" "$out"
  fi
  rm -f "$bundle"
  echo "$out"
}

# stand_in TAG KIND PACKAGES...: commits docker.io/library/eclipse-temurin:TAG from the rootfs and the Java dir.
stand_in() {
  local tag="$1" kind="$2"; shift 2
  local name="docker.io/library/eclipse-temurin:$tag" key
  local local_cas=no; [[ "$kind" == jdk ]] && local_cas=yes
  local fs java ctr
  fs="$(rootfs "eclipse-temurin-$tag" "$local_cas" "$@")"
  java="$(java_dir "$kind" "$fs")"
  key="$(recipe_key stand_in "$fs" "$java")"
  if [[ "$(bah inspect --type image --format '{{index .ImageAnnotations "dev.pinhole.stand-in"}}' "$name" 2>/dev/null)" == "$key" ]]; then
    return 0
  fi
  ctr="$(bah from --pull=never scratch)"
  bah add "$ctr" "$fs" / >/dev/null
  bah copy "$ctr" "$java" / >/dev/null
  bah config --env JAVA_HOME=/opt/java/openjdk \
    --env PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 --env JAVA_VERSION="jdk-$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)-LTS"/\1/p' "$jdk_src/release")" \
    --cmd '["jshell"]' --annotation "dev.pinhole.stand-in=$key" \
    --label "org.opencontainers.image.description=local stand-in for eclipse-temurin:$tag (Debian $suite)" "$ctr"
  bah commit --rm --quiet "$ctr" "$name" >/dev/null
  log "stand-in $name ready"
}

build() {
  for t in buildah mmdebstrap; do
    command -v "$t" >/dev/null || { log "$t missing: apt-get install buildah mmdebstrap"; exit 1; }
  done
  [[ -x "$jdk_src/bin/jlink" ]] || { log "no JDK at $jdk_src (set PINHOLE_IMAGE_JDK)"; exit 1; }
  mkdir -p "$cache/tmp"
  local started=$SECONDS
  stand_in 25-jdk jdk "${jdk_packages[@]}"
  stand_in 25-jre jre "${jre_packages[@]}"
  # The build context as .dockerignore admits it, with the Dockerfile and the bases' keys: unchanged, the archive
  # is reused as it is.
  local context
  context="$( { for t in 25-jdk 25-jre; do bah images --quiet --no-trunc "docker.io/library/eclipse-temurin:$t"; done
    cd "$root" && find Dockerfile .dockerignore mvnw .mvn pom.xml src/main bin/pinhole -type f ! -name '*.jar' -print0 \
      | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)"
  if [[ -s "$archive" && "$(cat "$archive.context" 2>/dev/null)" == "$context" ]]; then
    log "unchanged build context $context: $archive"
    echo "$archive"; return 0
  fi
  log "bases ready ($((SECONDS - started)) s); building $image from $root/Dockerfile"
  # No --layers: on vfs every committed layer is a full copy of the tree (the build stage's alone is ~1 GB), and the
  # context hash above already skips unchanged builds; what the old image leaves behind is pruned after the push.
  bah build --quiet --pull=never --isolation chroot --format oci -t "$image" -f "$root/Dockerfile" "$root" >&2
  rm -f "$archive.tmp"
  bah push --quiet "$image" "oci-archive:$archive.tmp:$image" >&2
  mv "$archive.tmp" "$archive"
  echo "$context" > "$archive.context"
  bah rmi --prune > /dev/null 2>&1 || true
  log "built in $((SECONDS - started)) s: $archive"
  echo "$archive"
}

case "${1:-build}" in
  build) build ;;
  path) echo "$archive" ;;
  clean) [[ -d "$cache" ]] && { bah rm --all >/dev/null 2>&1 || true; rm -rf "$cache"; }; log "removed $cache" ;;
  *) echo "usage: hack/image.sh [build|path|clean]" >&2; exit 2 ;;
esac
