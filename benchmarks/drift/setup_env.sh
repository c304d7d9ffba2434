#!/usr/bin/env bash
# Creates .venv-bench-drift: Evidently, the drift benchmark's reference, in an
# environment of its own. Its dependencies (pandas, scikit-learn, plotly...) never
# enter the project's .venv. Evidently 0.7.23 fails to import with pandas 3.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
uv="$repo/.venv/bin/uv"
venv="$repo/.venv-bench-drift"

"$uv" venv --quiet --allow-existing --python "$repo/.venv/bin/python" "$venv"
"$uv" pip sync --quiet --python "$venv/bin/python" "$repo/benchmarks/drift/requirements.txt"
"$venv/bin/python" -c "import evidently, pandas; print('evidently', evidently.__version__, 'pandas', pandas.__version__)"
