# Sourced by ./mvnw and .ci/run (POSIX sh). Bookwell needs a JDK 21+; when JAVA_HOME (or the java on PATH)
# is older or missing, use the first JDK 21+ found in the usual install folders. Changes nothing otherwise.
bookwell_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java.specification.version = //p' | cut -d. -f1
}
bookwell_jdk_ok() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] && [ "$(bookwell_java_major "$1")" -ge 21 ] 2>/dev/null
}
if [ -n "${JAVA_HOME:-}" ] && bookwell_jdk_ok "$JAVA_HOME"; then
  :
elif [ -z "${JAVA_HOME:-}" ] && command -v javac >/dev/null 2>&1 &&
  bookwell_jdk_ok "$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"; then
  :
else
  for bookwell_candidate in /usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/*; do
    if bookwell_jdk_ok "$bookwell_candidate"; then
      JAVA_HOME=$bookwell_candidate
      export JAVA_HOME
      PATH="$JAVA_HOME/bin:$PATH"
      export PATH
      break
    fi
  done
fi
