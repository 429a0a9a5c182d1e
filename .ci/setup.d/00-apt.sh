# Installs the Debian packages that the tests need: one list per area in .ci/apt/*.txt.
pkgs=$(cat .ci/apt/*.txt 2>/dev/null | sed 's/#.*//' | tr -s ' \n' ' ')
if [ -n "${pkgs// /}" ]; then
  missing=""
  for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  fi
fi
