# shellcheck shell=bash
# Sourced by scripts/test and scripts/develop; not meant to be run on its own.
#
#   find_python313               sets PYTHON313 to the absolute path of a Python 3.13 interpreter,
#                                or stops with install instructions
#   ensure_venv DIR REQFILE      creates the venv DIR if missing and installs REQFILE into it
#                                whenever REQFILE, or a file it includes with -r or -c, changed
#                                since the last install
#
# Set PYTHON313=/path/to/python3.13 beforehand to skip the search.

# Home Assistant 2025.5+ declares Requires-Python >=3.13.2 but runs on 3.13.0, the newest
# 3.13 that pyenv offers on some machines; below this version pip is told to ignore it.
readonly _HA_DECLARED_MIN_PYTHON="3.13.2"

_is_python313() {
  "$@" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1
}

_python313_path() {
  "$@" -c 'import sys; print(sys.executable)'
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
      PYTHON313="$(_python313_path python3.13)"
      return 0
    fi
    if command -v pyenv >/dev/null 2>&1; then
      local version
      while read -r version; do
        [[ "$version" == 3.13.* ]] || continue
        if PYENV_VERSION="$version" _is_python313 python3.13; then
          PYTHON313="$(PYENV_VERSION="$version" _python313_path python3.13)"
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

ensure_venv() {
  local venv="$1" reqfile="$2"
  local stamp="$venv/.requirements.sha256"

  if [[ ! -x "$venv/bin/python" ]] || ! _is_python313 "$venv/bin/python"; then
    find_python313
    echo ">>> creating $venv with $PYTHON313"
    rm -rf "$venv"
    "$PYTHON313" -m venv "$venv"
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
