#!/bin/sh
# The --command of `conformance client` (both suites, auth scenarios included) for the proxy's upstream side:
# ConformanceClientWrapper (test sources) with the scenario URL the runner appends.
# With $CONFORMANCE_DRIVER (the JUnit tests' ConformanceDriverService) the scenario is handed to the driver in
# the test's JVM, with the Node the runner itself runs on: no JVM starts per scenario.
# Else a JVM of its own; the classpath: $CONFORMANCE_CLASSPATH, else target/test-classes + target/classes +
# target/conformance-classpath.txt (./mvnw -o dependency:build-classpath
# -Dmdep.outputFile=target/conformance-classpath.txt -Dmdep.includeScope=test).
if [ -n "$CONFORMANCE_DRIVER" ]; then
  for last; do :; done
  exec node -e '
    const body = JSON.stringify({url: process.argv[1], scenario: process.env.MCP_CONFORMANCE_SCENARIO ?? "",
                                 context: process.env.MCP_CONFORMANCE_CONTEXT ?? "{}"});
    fetch(process.env.CONFORMANCE_DRIVER, {method: "POST", body}).then(async r => {
      process.stderr.write(await r.text());
      process.exit(Number(r.headers.get("x-exit") ?? 1));
    }, e => { console.error("the conformance driver service is unreachable: " + e); process.exit(1); });
  ' "$last"
fi
root=$(cd "$(dirname "$0")/../../.." && pwd)
cp=${CONFORMANCE_CLASSPATH:-"$root/target/test-classes:$root/target/classes:$(cat "$root/target/conformance-classpath.txt")"}
# one short-lived JVM per scenario: C1 only and the serial collector start it fastest
exec "${JAVA_HOME:-/usr}/bin/java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$cp" \
  dev.dynamicmcp.conformance.ConformanceClientWrapper "$@"
