#!/bin/sh
# The --command of `conformance client` for the proxy's upstream side: runs ConformanceClientWrapper (test
# sources) with the scenario URL the runner appends. The classpath: $CONFORMANCE_CLASSPATH (the JUnit test
# passes its own), else target/test-classes + target/classes + target/conformance-classpath.txt
# (./mvnw -o dependency:build-classpath -Dmdep.outputFile=target/conformance-classpath.txt -Dmdep.includeScope=test).
root=$(cd "$(dirname "$0")/../../.." && pwd)
cp=${CONFORMANCE_CLASSPATH:-"$root/target/test-classes:$root/target/classes:$(cat "$root/target/conformance-classpath.txt")"}
# one short-lived JVM per scenario: C1 only and the serial collector start it fastest
exec "${JAVA_HOME:-/usr}/bin/java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$cp" \
  dev.dynamicmcp.conformance.ConformanceClientWrapper "$@"
