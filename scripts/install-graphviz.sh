#!/bin/sh
# Install graphviz's `dot` (needed to render drawings) when it is missing.
set -e
if command -v dot >/dev/null 2>&1; then exit 0; fi
echo "graphviz's 'dot' is missing; installing Debian's graphviz package"
if [ "$(id -u)" = "0" ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="none"; fi
if [ "$SUDO" = "none" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "error: cannot install graphviz automatically (needs apt-get and root)." >&2
  echo "Install it yourself: 'apt-get install graphviz' or 'brew install graphviz'." >&2
  exit 1
fi
$SUDO apt-get install -y -q graphviz >/dev/null 2>&1 || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q graphviz >/dev/null; } || {
  echo "error: 'apt-get install graphviz' failed; install graphviz by hand and rerun." >&2
  exit 1
}
command -v dot >/dev/null 2>&1
