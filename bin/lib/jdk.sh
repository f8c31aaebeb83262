# Sourced by the bin/ scripts and .ci/run: exports JAVA_HOME pointing at a JDK 25.
# Keeps JAVA_HOME if it already is one; otherwise takes the newest JDK 25 under /usr/lib/jvm (Temurin first).
nftoffload_is_jdk25() {
  [ -x "$1/bin/javac" ] || return 1
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | grep -Eq '^\s*java\.specification\.version = 25$'
}

nftoffload_find_jdk25() {
  if [ -n "${JAVA_HOME:-}" ] && nftoffload_is_jdk25 "$JAVA_HOME"; then
    return 0
  fi
  local candidate
  for candidate in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25*; do
    if nftoffload_is_jdk25 "$candidate"; then
      export JAVA_HOME="$candidate"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "nft-offload needs a JDK 25: none found in JAVA_HOME (${JAVA_HOME:-unset}) or under /usr/lib/jvm." >&2
  echo "Install Temurin 25 (or any OpenJDK 25) and set JAVA_HOME to it." >&2
  return 1
}
