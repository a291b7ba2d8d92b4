#!/usr/bin/env bash
# Checks the deployment files without Docker or a cluster, in a few seconds:
#   1. docker-compose.yml is valid for Compose (`docker-compose config -q`) with an env file made from
#      .env.example with strong dummy secrets, and is refused without secrets;
#   2. yamllint (relaxed, lines up to 120) on docker-compose.yml, k8s/, deploy/ and observability/kustomization.yaml,
#      and (lines up to 160) on every YAML file under observability/ and conf/;
#   3. shellcheck on every *.sh of the repository (node_modules, target, data and site excluded);
#   4. deploy/check_consistency.py: compose, the Dockerfile and k8s/ against conf/ (the store's variables and
#      health routes), nginx/ and observability/ (names, ports, health checks, scrape targets, selectors,
#      probes, resources, Secrets), and the manifests against the Kubernetes API types (python3-kubernetes);
#   5. when kubectl is installed, `kubectl kustomize k8s` builds.
# Needs the Debian packages docker-compose, yamllint, shellcheck, python3, python3-yaml and python3-kubernetes.
# A missing one: "SKIP: <program> not installed" and exit 0, or exit 1 when CI=true.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

failures=0
ci=${CI:-false}

skip() {
    echo "SKIP: $1 not installed${2:+ ($2)}"
    if [[ $ci == true ]]; then
        echo "FAIL: CI=true: $1 is required" >&2
        exit 1
    fi
    exit 0
}

step() {
    local name=$1
    shift
    local output
    if output=$("$@" 2>&1); then
        echo "ok   $name"
    else
        echo "FAIL $name"
        printf '%s\n' "$output" | sed 's/^/     /'
        failures=$((failures + 1))
    fi
}

# ---- the programs -------------------------------------------------------------------------------------------
if command -v docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
else
    skip docker-compose "Debian: apt-get install docker-compose"
fi
command -v yamllint >/dev/null 2>&1 || skip yamllint "Debian: apt-get install yamllint"
command -v shellcheck >/dev/null 2>&1 || skip shellcheck "Debian: apt-get install shellcheck"
# Debian's interpreter first: python3-yaml and python3-kubernetes are installed for it (a python3 earlier on
# PATH, e.g. pyenv's, may lack them)
python=
for candidate in /usr/bin/python3 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import yaml' 2>/dev/null; then
        python=$candidate
        break
    fi
done
[[ -n $python ]] || skip "python3 with PyYAML" "Debian: apt-get install python3-yaml"
k8s_models=()
if "$python" -c 'import kubernetes.client' 2>/dev/null; then
    k8s_models=(--require-k8s-models)
elif [[ $ci == true ]]; then
    skip python3-kubernetes "Debian: apt-get install python3-kubernetes"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- 1. compose -------------------------------------------------------------------------------------------
# .env.example with every CHANGE_ME_ value replaced by a strong dummy (the example's own values are refused
# by the services, not by Compose, which cannot know)
dummy() { head -c 48 /dev/urandom | base64 | tr -d '\n/+='; }
sed -e "s|^SECRET_KEY=.*|SECRET_KEY=$(dummy)|" -e "s|^INTERNAL_KEY=.*|INTERNAL_KEY=$(dummy)|" \
    -e "s|^ADMIN_PASSWORD=.*|ADMIN_PASSWORD=$(dummy)|" .env.example >"$work/env"
step "docker-compose config -q (dummy secrets from .env.example)" \
    "${compose[@]}" --env-file "$work/env" -f docker-compose.yml config -q
grep -v -e '^SECRET_KEY=' -e '^INTERNAL_KEY=' "$work/env" >"$work/env-without-secrets"
refused() {
    if "${compose[@]}" --env-file "$work/env-without-secrets" -f docker-compose.yml config -q 2>"$work/refusal"; then
        echo "docker-compose accepted a configuration without SECRET_KEY and INTERNAL_KEY"
        return 1
    fi
    grep -q SECRET_KEY "$work/refusal" || { cat "$work/refusal"; return 1; }
}
step "docker-compose config refuses to run without SECRET_KEY/INTERNAL_KEY" refused

# ---- 2. yamllint --------------------------------------------------------------------------------------------
yaml_files=(docker-compose.yml observability/kustomization.yaml)
while IFS= read -r -d '' file; do
    yaml_files+=("$file")
done < <(find k8s deploy -type f \( -name '*.yaml' -o -name '*.yml' \) -print0 | sort -z)
step "yamllint ${#yaml_files[@]} files" \
    yamllint --strict -d '{extends: relaxed, rules: {line-length: {max: 120}}}' "${yaml_files[@]}"
config_files=()
while IFS= read -r -d '' file; do
    config_files+=("$file")
done < <(find observability conf -type f \( -name '*.yaml' -o -name '*.yml' \) -print0 | sort -z)
# PromQL expressions, JMX patterns and the contracts' UUID regexes do not wrap: lines up to 160 there
step "yamllint ${#config_files[@]} observability and configuration files" \
    yamllint --strict -d '{extends: relaxed, rules: {line-length: {max: 160}}}' "${config_files[@]}"

# ---- 3. shellcheck ------------------------------------------------------------------------------------------
scripts=()
while IFS= read -r -d '' file; do
    scripts+=("$file")
done < <(find . \( -name node_modules -o -name target -o -name .git -o -path ./data -o -path ./site \) -prune \
    -o -type f -name '*.sh' -print0 | sort -z)
step "shellcheck ${#scripts[@]} scripts" shellcheck "${scripts[@]}"

# ---- 4. consistency -----------------------------------------------------------------------------------------
step "consistency of compose, Dockerfile and k8s/ with conf/, nginx/ and observability/" \
    "$python" deploy/check_consistency.py --env-file "$work/env" "${k8s_models[@]}"
if [[ ${#k8s_models[@]} -eq 0 ]]; then
    echo "note python3-kubernetes not installed: manifests not checked against the API types"
fi

# ---- 5. kustomize (optional: kubectl is not a Debian package) --------------------------------------------------
if command -v kubectl >/dev/null 2>&1; then
    step "kubectl kustomize k8s" kubectl kustomize k8s
fi

if [[ $failures -gt 0 ]]; then
    echo "deploy/check.sh: $failures step(s) failed"
    exit 1
fi
echo "deploy/check.sh: all steps passed"
