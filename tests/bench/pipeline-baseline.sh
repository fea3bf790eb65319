#!/usr/bin/env bash
# What a team's hand-written release script does for the same fixture, the tools run one after another:
# docker build + push, helm package + push, helm upgrade staging, curl, helm upgrade production, curl.
# Usage: pipeline-baseline.sh VERSION   (env: APP_DIR REGISTRY BASE KUBECONFIG KUBE_CONTEXT HELM NS_STAGING NS_PRODUCTION PORT_STAGING PORT_PRODUCTION)
set -euo pipefail
version=$1
image=$REGISTRY/baseline/pipeline-app:$version
docker build --network=none -q --build-arg "BASE=$BASE" -t "$image" "$APP_DIR" >/dev/null
digest=$(docker push "$image" | sed -n 's/.*digest: \(sha256:[0-9a-f]*\).*/\1/p')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$APP_DIR/chart" "$work/chart"
"$HELM" package "$work/chart" --version "$version" --app-version "$version" -d "$work" >/dev/null
"$HELM" push "$work/pipeline-app-$version.tgz" "oci://$REGISTRY/baseline-charts" --plain-http >/dev/null 2>&1
for target in staging production; do
  ns_var=NS_${target^^}; port_var=PORT_${target^^}
  "$HELM" upgrade --install pipeline-app "oci://$REGISTRY/baseline-charts/pipeline-app" --version "$version" --plain-http \
    --namespace "${!ns_var}" --create-namespace --kubeconfig "$KUBECONFIG" --kube-context "$KUBE_CONTEXT" \
    --set "image.repository=$REGISTRY/baseline/pipeline-app" --set "image.digest=$digest" --set "port=${!port_var}" \
    --wait --timeout 120s >/dev/null
  for i in $(seq 60); do curl -fsS "http://127.0.0.1:${!port_var}/" | grep -q pipeline-app && break; sleep 1; done
done
