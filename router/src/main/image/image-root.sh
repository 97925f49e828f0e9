#!/usr/bin/env bash
# The image-local profile's root file system (router/pom.xml): a Java runtime made by jlink from
# the JDK that runs the build, and the shared libraries it loads, copied from this machine. The
# image then needs no base image, so no registry is reached to build it.
#
# Usage: image-root.sh ROOT MODULES JAVA_HOME
set -euo pipefail
root=$1 modules=$2 java_home=$3

# The libraries are this machine's; the image's platform is Jib's default for a scratch base.
if [ "$(uname -s)/$(uname -m)" != Linux/x86_64 ]; then
  echo "image-root.sh: the image is linux/amd64 and takes this machine's libraries; this is $(uname -s)/$(uname -m)" >&2
  exit 1
fi

rm -rf "$root"
runtime=$root/opt/java/openjdk
"$java_home/bin/jlink" --add-modules "$modules" --no-man-pages --no-header-files --output "$runtime"

# What the runtime's executables and libraries link against, and the dynamic loader itself;
# libjvm.so is left out ("not found"): the launcher loads it from the runtime by its full path.
find "$runtime" -type f \( -name '*.so' -o -perm -u+x \) -exec ldd {} \; \
  | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' \
  | grep -v "^$runtime/" | sort -u \
  | while read -r library; do cp --parents --dereference "$library" "$root"; done

# The JVM's temporary files where nothing is mounted on /tmp (`docker run`).
mkdir "$root/tmp"
