# Sourced by the scripts: make `uv` available, installing it with pip on a fresh machine.
if ! command -v uv >/dev/null 2>&1; then
    python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
    uv() { python3 -m uv "$@"; }
fi

# Compile the translation catalogues quietly ("compiling catalog …" per language goes to
# stderr); on failure show everything pybabel said and fail.
compile_translations() {
    local output
    if ! output=$(uv run --no-sync pybabel compile -d app/translations 2>&1); then
        echo "$output" >&2
        return 1
    fi
}
