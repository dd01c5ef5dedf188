# Sourced by the ensure-*.sh scripts: install Debian packages when root, or say exactly how.
#   apt_install TAG "why it is needed" package...
# As root: waits for the dpkg lock (other jobs may hold it), updates the index, installs without
# recommends. Otherwise: prints the command to run and exits 1.
apt_install() {
    local tag=$1 why=$2
    shift 2
    local cmd="apt-get update && apt-get install -y --no-install-recommends $*"
    if [ "$(id -u)" != 0 ]; then
        echo "$tag: $* needed ($why). Install with:" >&2
        echo "    sudo sh -c '$cmd'" >&2
        exit 1
    fi
    echo "$tag: installing $* ($why)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -q
    apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "$@"
}
