#!/usr/bin/env bash
# Validates template.yaml offline (no AWS credentials, no network beyond PyPI for the first install):
#   1. sam validate                      (SAM's own checks)
#   2. sam validate --lint               (cfn-lint on the SAM template)
#   3. SAM-translate with samtranslator  -> target/template.translated.json
#   4. cfn-lint on the translated template (catches broken references inside SAM resources,
#      which linting the untranslated template can miss)
#
# Tools are pinned and installed into a venv at .venv in the repo root (created if missing; pip is
# skipped when the pinned versions are already there). Set VALIDATE_VENV to use another venv
# directory, TEMPLATE to validate another template.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Pins. aws-sam-cli 1.170.0 itself requires aws-sam-translator==1.115.0 and cfn-lint>=1.52,<1.59.
SAM_CLI_VERSION=1.170.0
SAM_TRANSLATOR_VERSION=1.115.0
CFN_LINT_VERSION=1.58.0

VENV="${VALIDATE_VENV:-$ROOT/.venv}"
TEMPLATE="${TEMPLATE:-template.yaml}"
TRANSLATED="target/template.translated.json"
REGION=eu-west-1
PY="$VENV/bin/python"

say() { printf '\n==> %s\n' "$*" >&2; }
run() {
    printf '+ %s\n' "$*" >&2
    "$@"
}

# Offline, credential-free environment for every tool below.
export AWS_ACCESS_KEY_ID=validate AWS_SECRET_ACCESS_KEY=validate
unset AWS_SESSION_TOKEN AWS_PROFILE
export AWS_REGION="$REGION" AWS_DEFAULT_REGION="$REGION"
export AWS_EC2_METADATA_DISABLED=true
export SAM_CLI_TELEMETRY=0
export PIP_DISABLE_PIP_VERSION_CHECK=1

venv_is_ready() {
    [[ -x "$PY" ]] || return 1
    "$PY" - "$SAM_CLI_VERSION" "$SAM_TRANSLATOR_VERSION" "$CFN_LINT_VERSION" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version, PackageNotFoundError
want = dict(zip(["aws-sam-cli", "aws-sam-translator", "cfn-lint"], sys.argv[1:]))
try:
    sys.exit(0 if all(version(n) == v for n, v in want.items()) else 1)
except PackageNotFoundError:
    sys.exit(1)
EOF
}

if venv_is_ready; then
    say "tools: $VENV already has aws-sam-cli $SAM_CLI_VERSION, aws-sam-translator $SAM_TRANSLATOR_VERSION, cfn-lint $CFN_LINT_VERSION"
else
    say "installing pinned tools into $VENV"
    if [[ ! -x "$PY" ]]; then
        run python3 -m venv "$VENV"
    fi
    run "$PY" -m pip install --quiet \
        "aws-sam-cli==$SAM_CLI_VERSION" \
        "aws-sam-translator==$SAM_TRANSLATOR_VERSION" \
        "cfn-lint==$CFN_LINT_VERSION"
    venv_is_ready || { echo "error: pinned tools still missing from $VENV after pip install" >&2; exit 1; }
fi

say "1/4 sam validate"
run "$VENV/bin/sam" validate --template "$TEMPLATE" --region "$REGION"

say "2/4 sam validate --lint"
run "$VENV/bin/sam" validate --lint --template "$TEMPLATE" --region "$REGION"

say "3/4 samtranslator (offline) -> $TRANSLATED"
mkdir -p "$(dirname "$TRANSLATED")"
printf '+ %s\n' "$PY <translate> $TEMPLATE $TRANSLATED" >&2
"$PY" - "$TEMPLATE" "$TRANSLATED" <<'EOF'
"""Translates a SAM template to plain CloudFormation offline, the way `sam deploy` would after
packaging: local CodeUri values are replaced by placeholder S3 locations, and managed policies are
resolved without IAM (only AWS managed policies named by ARN are expected)."""
import json
import logging
import re
import sys

from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

src, dst = sys.argv[1], sys.argv[2]
# The translator logs feature-toggle chatter as warnings; real problems arrive as exceptions.
logging.basicConfig(level=logging.ERROR)

class OfflinePolicyLoader:
    """Stands in for the IAM-backed ManagedPolicyLoader: no network, no credentials."""
    def load(self):
        return {}

with open(src, encoding="utf-8") as f:
    template = yaml_parse(f.read())

# cfn-lint's W2001 (unused parameter) can't be trusted on either side: linting the SAM template
# skips it, and the translator inlines parameter values in some places (e.g. the usage plan's
# Quota/Throttle), so on the translated template a parameter used only there looks unused (step 4
# ignores W2001 for that reason). So check it here, on the source.
def referenced_names(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "Ref" and isinstance(v, str):
                out.add(v)
            elif k == "Fn::Sub":
                text = v[0] if isinstance(v, list) and v else v
                if isinstance(text, str):
                    out.update(n.split(".")[0] for n in re.findall(r"\$\{([^!}][^}]*)\}", text))
            referenced_names(v, out)
    elif isinstance(node, list):
        for v in node:
            referenced_names(v, out)
    return out

used = referenced_names({k: v for k, v in template.items() if k != "Parameters"}, set())
unused = sorted(set(template.get("Parameters") or {}) - used)
if unused:
    print(f"error: parameters never referenced: {', '.join(unused)}", file=sys.stderr)
    sys.exit(1)

for name, res in (template.get("Resources") or {}).items():
    props = res.get("Properties") or {}
    if res.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str) \
            and not props["CodeUri"].startswith("s3://"):
        props["CodeUri"] = f"s3://roster-validate-placeholder/{name}.zip"
    if res.get("Type") == "AWS::Serverless::LayerVersion" and isinstance(props.get("ContentUri"), str) \
            and not props["ContentUri"].startswith("s3://"):
        props["ContentUri"] = f"s3://roster-validate-placeholder/{name}.zip"

try:
    out = transform(template, {}, OfflinePolicyLoader())
except InvalidDocumentException as e:
    for cause in e.causes:
        print(f"error: {cause.message}", file=sys.stderr)
    sys.exit(1)

with open(dst, "w", encoding="utf-8") as f:
    json.dump(out, f, indent=2, sort_keys=False)
    f.write("\n")
res = out.get("Resources", {})
print(f"translated: {len(res)} CloudFormation resources -> {dst}", file=sys.stderr)
EOF

say "4/4 cfn-lint on the translated template"
# Ignored on the translated template only (both are artifacts of SAM's output, not of template.yaml):
#   W3005  SAM adds DependsOn next to a Ref (ApiUsagePlan -> Api, ApiUsagePlanKey -> ApiApiKey);
#   W2001  SAM inlines parameter values in the usage plan; unused parameters are checked in step 3.
run "$VENV/bin/cfn-lint" --regions "$REGION" --ignore-checks W3005 W2001 -- "$TRANSLATED"

say "template OK: sam validate, sam validate --lint, samtranslator, cfn-lint all passed"
