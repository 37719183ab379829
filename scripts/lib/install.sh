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
