#!/bin/sh
# Installs the Debian packages named as arguments that are not installed yet.
# Nothing is fetched when all are there (checked with dpkg -s).
missing=""
for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing Debian packages:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
    echo "payback: error: these packages are missing and installing them needs root:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
    echo "payback: error: apt-get could not install:$missing" >&2
    exit 1
}
