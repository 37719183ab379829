# Install steps shared by the scripts (sourced, not run). Each step is one function, safe to
# repeat: it does nothing when what it installs is already there.

# ensure_venv REQUIREMENTS_FILE: .venv with those requirements.
ensure_venv() {
  [ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$1"
}

# have PROBE: a command on PATH (or in /usr/sbin, where nginx lives), or a path glob that matches.
have() {
  case "$1" in
    /*) compgen -G "$1" >/dev/null ;;
    *) command -v "$1" >/dev/null || [ -x "/usr/sbin/$1" ] ;;
  esac
}

# missing_debian_packages PACKAGE:PROBE ...: the packages whose probe finds nothing.
missing_debian_packages() {
  local spec
  for spec in "$@"; do
    have "${spec#*:}" || echo "${spec%%:*}"
  done
}

# ensure_debian_packages PACKAGE:PROBE ...: apt-get install what is missing (as root), or say
# what to install and fail. Services the packages would start at install time are not started
# (policy-rc.d): the tests run private instances on free ports, never the system ones.
ensure_debian_packages() {
  local missing
  missing=$(missing_debian_packages "$@" | tr '\n' ' ')
  [ -n "${missing// /}" ] || return 0
  if [ "$(id -u)" != 0 ]; then
    echo "The tests need Debian's: $missing— run: sudo apt-get install $missing" >&2
    return 1
  fi
  echo "Installing Debian's $missing..."
  local policy=/usr/sbin/policy-rc.d added=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && added=1
  fi
  local status=0
  # shellcheck disable=SC2086  # one word per package
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null; }; then
    status=1
  fi
  [ -z "$added" ] || rm -f "$policy"
  return $status
}

# ensure_node_major N: the installed Node.js is at least version N.
ensure_node_major() {
  if ! node -e "process.exit(Number(process.versions.node.split('.')[0]) >= $1 ? 0 : 1)"; then
    echo "The tests need Node.js $1 or newer; this is $(node --version)." >&2
    return 1
  fi
}

# ensure_npm_packages DIR: `npm ci` in DIR when its packages are missing or older than the lock.
ensure_npm_packages() {
  if [ ! -f "$1/node_modules/.package-lock.json" ] ||
    [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
    npm ci --prefix "$1" --no-audit --no-fund --loglevel=error
  fi
}
