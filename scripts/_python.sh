# shellcheck shell=bash
# Sourced by scripts/test and scripts/develop; not meant to be run on its own.
#
#   find_python313               sets PYTHON313 to the absolute path of a Python 3.13 interpreter,
#                                or stops with install instructions
#   find_python314               sets PYTHON314 likewise for Python 3.14: python3.14 on PATH,
#                                then pyenv's 3.14.x, then (Debian) ../shared/toolchains/python314.sh
#   have_python314               true when find_python314 would succeed without unpacking anything
#                                new, or could unpack it (Debian with the toolchain script)
#   ensure_venv DIR REQFILE VER  creates the venv DIR with Python VER (3.13 or 3.14) if missing and
#                                installs REQFILE into it whenever REQFILE, or a file it includes
#                                with -r or -c, changed since the last install
#
# Set PYTHON313=/path/to/python3.13 or PYTHON314=/path/to/python3.14 beforehand to skip the search.
# Every interpreter found is announced on stderr with its path and version.

# Home Assistant 2025.5+ declares Requires-Python >=3.13.2 but runs on 3.13.0, the newest
# 3.13 that pyenv offers on some machines; below this version pip is told to ignore it.
readonly _HA_DECLARED_MIN_PYTHON="3.13.2"

# Python 3.14 from Debian's packages, unpacked into a private prefix by this script when neither
# PATH nor pyenv has it. Nothing is installed into the system.
readonly _PYTHON314_TOOLCHAIN="../shared/toolchains/python314.sh"
readonly _PYTHON314_PREFIX="${XDG_CACHE_HOME:-$HOME/.cache}/media-request-tracker/python3.14"

_is_python() {
  local minor="$1"
  shift
  "$@" -c "import sys; sys.exit(sys.version_info[:2] != (3, $minor))" >/dev/null 2>&1
}

_is_python313() {
  _is_python 13 "$@"
}

_python_path() {
  "$@" -c 'import sys; print(sys.executable)'
}

_announce_python() {
  local python="$1" how="$2"
  echo ">>> Python $("$python" -c 'import platform; print(platform.python_version())'): $python ($how)" >&2
}

find_python313() {
  if [[ -n "${PYTHON313:-}" ]]; then
    if _is_python313 "$PYTHON313"; then
      return 0
    fi
    echo "error: PYTHON313=$PYTHON313 is not a Python 3.13 interpreter" >&2
    exit 1
  fi

  # Debian 13 ships python3.13 on PATH; pyenv puts a shim there that only works when a
  # 3.13 version is selected, so try the plain command first, then each installed 3.13.x.
  if command -v python3.13 >/dev/null 2>&1; then
    if _is_python313 python3.13; then
      PYTHON313="$(_python_path python3.13)"
      _announce_python "$PYTHON313" "python3.13 on PATH"
      return 0
    fi
    if command -v pyenv >/dev/null 2>&1; then
      local version
      while read -r version; do
        [[ "$version" == 3.13.* ]] || continue
        if PYENV_VERSION="$version" _is_python313 python3.13; then
          PYTHON313="$(PYENV_VERSION="$version" _python_path python3.13)"
          _announce_python "$PYTHON313" "pyenv $version"
          return 0
        fi
      done < <(pyenv versions --bare 2>/dev/null | sort -rV)
    fi
  fi

  cat >&2 <<'EOF'
error: Python 3.13 was not found (looked for `python3.13` on PATH, and for 3.13.x in pyenv).
Install it, then run this script again:
  Debian 13:  apt-get install python3.13 python3.13-venv
  Debian 12:  install pyenv (https://github.com/pyenv/pyenv#installation), then
              pyenv install 3.13    # and make sure $(pyenv root)/shims is on PATH
  Elsewhere:  any CPython 3.13; or point PYTHON313=/path/to/python3.13 at it.
EOF
  exit 1
}

# pyenv's newest installed 3.14.x, printed as an absolute interpreter path; nothing if none.
_pyenv_python314() {
  command -v pyenv >/dev/null 2>&1 || return 0
  local version root
  root="$(pyenv root 2>/dev/null)" || return 0
  while read -r version; do
    [[ "$version" == 3.14.* ]] || continue
    if _is_python 14 "$root/versions/$version/bin/python3.14"; then
      echo "$root/versions/$version/bin/python3.14"
      return 0
    fi
  done < <(pyenv versions --bare 2>/dev/null | sort -rV)
}

_python314_unpacked() {
  echo "$_PYTHON314_PREFIX/usr/bin/python3.14"
}

# True when Python 3.14 is on PATH, in pyenv, already unpacked, or can be unpacked here.
have_python314() {
  [[ -n "${PYTHON314:-}" ]] && return 0
  if command -v python3.14 >/dev/null 2>&1 && _is_python 14 python3.14; then
    return 0
  fi
  [[ -n "$(_pyenv_python314)" ]] && return 0
  _is_python 14 "$(_python314_unpacked)" && return 0
  [[ -f "$_PYTHON314_TOOLCHAIN" ]] && command -v apt-get >/dev/null 2>&1 &&
    command -v dpkg-deb >/dev/null 2>&1
}

find_python314() {
  if [[ -n "${PYTHON314:-}" ]]; then
    if _is_python 14 "$PYTHON314"; then
      return 0
    fi
    echo "error: PYTHON314=$PYTHON314 is not a Python 3.14 interpreter" >&2
    exit 1
  fi
  if command -v python3.14 >/dev/null 2>&1 && _is_python 14 python3.14; then
    PYTHON314="$(_python_path python3.14)"
    _announce_python "$PYTHON314" "python3.14 on PATH"
    return 0
  fi
  PYTHON314="$(_pyenv_python314)"
  if [[ -n "$PYTHON314" ]]; then
    _announce_python "$PYTHON314" "pyenv"
    return 0
  fi
  PYTHON314="$(_python314_unpacked)"
  if _is_python 14 "$PYTHON314"; then
    _announce_python "$PYTHON314" "Debian's python3.14 unpacked earlier by $_PYTHON314_TOOLCHAIN"
    return 0
  fi
  if [[ -f "$_PYTHON314_TOOLCHAIN" ]] && command -v apt-get >/dev/null 2>&1; then
    # The toolchain script needs patchelf: install Debian's when this can (root with apt-get).
    if ! command -v patchelf >/dev/null 2>&1 && ((EUID == 0)); then
      echo ">>> installing Debian's patchelf (for $_PYTHON314_TOOLCHAIN)" >&2
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patchelf >/dev/null || true
    fi
    echo ">>> no python3.14 on PATH or in pyenv: unpacking Debian's python3.14 into" \
      "$_PYTHON314_PREFIX with $_PYTHON314_TOOLCHAIN (nothing is installed into the system)" >&2
    if bash "$_PYTHON314_TOOLCHAIN" "$_PYTHON314_PREFIX" >&2 && _is_python 14 "$PYTHON314"; then
      _announce_python "$PYTHON314" "Debian's python3.14, unpacked by $_PYTHON314_TOOLCHAIN"
      return 0
    fi
    echo "error: $_PYTHON314_TOOLCHAIN did not give a working Python 3.14 (see above)" >&2
    exit 1
  fi
  cat >&2 <<EOF
error: Python 3.14 was not found (looked for \`python3.14\` on PATH, for 3.14.x in pyenv, and for
$_PYTHON314_TOOLCHAIN, which unpacks Debian's python3.14 on a Debian machine).
Home Assistant 2026.3 and newer need it. Install it, then run this script again:
  Debian 13+: apt-get install python3.14 python3.14-venv
  pyenv:      pyenv install 3.14
  Elsewhere:  any CPython 3.14; or point PYTHON314=/path/to/python3.14 at it.
EOF
  exit 1
}

# Prints "--ignore-requires-python" when the interpreter is older than what HA declares.
_pip_python_flags() {
  local python="$1"
  if ! "$python" -c "
import sys
minimum = tuple(int(part) for part in '$_HA_DECLARED_MIN_PYTHON'.split('.'))
sys.exit(sys.version_info[:3] < minimum)
"; then
    echo "--ignore-requires-python"
  fi
}

# The files a requirements file pulls in with -r/-c lines (one level, relative to its folder).
_included_requirements() {
  local reqfile="$1" included
  sed -nE 's/^[[:space:]]*(-r|-c|--requirement|--constraint)[[:space:]=]*([^[:space:]#]+).*$/\2/p' \
    "$reqfile" | while read -r included; do
    echo "$(dirname "$reqfile")/$included"
  done
}

# A hash of a requirements file and of the files it includes, so that a change to either
# reinstalls. For a file that includes nothing it equals `sha256sum REQFILE`.
_requirements_hash() {
  local reqfile="$1"
  local -a files=("$reqfile")
  mapfile -t -O 1 files < <(_included_requirements "$reqfile")
  cat "${files[@]}" | sha256sum | cut -d' ' -f1
}

# A venv with pip. Debian's interpreters have no bundled pip wheel for ensurepip (they look in
# the fixed /usr/share/python-wheels), so where `-m venv` fails, pip is installed by running it
# straight from the wheel that sits next to the interpreter (python3-pip-whl's).
_make_venv() {
  local python="$1" venv="$2" wheel
  if "$python" -m venv "$venv" 2>/dev/null; then
    return 0
  fi
  rm -rf "$venv"
  "$python" -m venv --without-pip "$venv"
  wheel="$(ls "$(dirname "$python")"/../share/python-wheels/pip-*.whl 2>/dev/null | head -n1)"
  if [[ -z "$wheel" ]]; then
    echo "error: $python has neither ensurepip nor a pip wheel beside it to make $venv" >&2
    exit 1
  fi
  "$venv/bin/python" "$wheel/pip" install --disable-pip-version-check -q --no-index "$wheel"
}

ensure_venv() {
  local venv="$1" reqfile="$2" version="${3:-3.13}"
  local stamp="$venv/.requirements.sha256" python

  if [[ ! -x "$venv/bin/python" ]] || ! _is_python "${version#3.}" "$venv/bin/python"; then
    case "$version" in
      3.13) find_python313 && python="$PYTHON313" ;;
      3.14) find_python314 && python="$PYTHON314" ;;
      *)
        echo "error: ensure_venv: no Python $version is known" >&2
        exit 1
        ;;
    esac
    echo ">>> creating $venv with $python"
    rm -rf "$venv"
    _make_venv "$python" "$venv"
  fi

  local wanted
  wanted="$(_requirements_hash "$reqfile")"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    return 0
  fi

  local -a flags=()
  read -r -a flags <<<"$(_pip_python_flags "$venv/bin/python")"
  echo ">>> installing $reqfile into $venv${flags[*]:+ (pip ${flags[*]})} (a new venv takes several minutes)"
  rm -f "$stamp"
  "$venv/bin/python" -m pip install --disable-pip-version-check --quiet "${flags[@]}" -r "$reqfile"
  echo "$wanted" >"$stamp"
}
