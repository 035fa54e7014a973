# Sourced by the scripts: make `uv` available, installing it with pip on a fresh machine.
if ! command -v uv >/dev/null 2>&1; then
    python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
    uv() { python3 -m uv "$@"; }
fi
