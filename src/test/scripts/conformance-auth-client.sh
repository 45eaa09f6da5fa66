#!/bin/sh
# The --command of `conformance client --suite auth` (and of the auth/* scenarios of conformance-next): runs
# ConformanceAuthClient (test sources) with the scenario URL the runner appends. The classpath:
# $CONFORMANCE_CLASSPATH (the JUnit test passes its own), else target/test-classes + target/classes +
# target/conformance-classpath.txt (./mvnw -o dependency:build-classpath
# -Dmdep.outputFile=target/conformance-classpath.txt -Dmdep.includeScope=test).
root=$(cd "$(dirname "$0")/../../.." && pwd)
cp=${CONFORMANCE_CLASSPATH:-"$root/target/test-classes:$root/target/classes:$(cat "$root/target/conformance-classpath.txt")"}
exec "${JAVA_HOME:-/usr}/bin/java" -cp "$cp" dev.dynamicmcp.conformance.ConformanceAuthClient "$@"
