# Sourced by bin/run and bin/test: make sure .venv exists and holds requirements.txt.
#
# The hash of requirements.txt is kept in .venv/requirements.sha256, so pip runs only
# on a fresh clone or after requirements.txt changed. PYTHON picks the interpreter
# that creates the venv (default python3).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
VENV_PYTHON="$VENV/bin/python"

ensure_venv() {
    local stamp="$VENV/requirements.sha256"
    local wanted

    # a venv whose interpreter no longer runs (moved, or python upgraded) is rebuilt
    if ! "$VENV_PYTHON" -c "" 2>/dev/null; then
        echo "Creating the virtual environment in $VENV ..."
        "${PYTHON:-python3}" -m venv --clear "$VENV" || {
            echo "error: '${PYTHON:-python3} -m venv' failed; Python 3.11 or newer" \
                "with the venv module is needed." >&2
            return 1
        }
    fi

    wanted="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        echo "Installing requirements.txt into $VENV ..."
        # twice quiet: pip prints its errors only
        "$VENV_PYTHON" -m pip install --quiet --quiet --disable-pip-version-check \
            -r "$ROOT/requirements.txt" || {
            echo "error: installing requirements.txt failed; pip's output above" \
                "says why." >&2
            return 1
        }
        echo "$wanted" >"$stamp"
    fi
}
